import onnxProto from "onnx-proto";

export const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type GraphProtoMessage = onnxProto.onnx.GraphProto;
export type NodeProtoMessage = onnxProto.onnx.NodeProto;
export type TensorProtoMessage = onnxProto.onnx.TensorProto;

export const ElemType = { FLOAT: 1, INT64: 7, BOOL: 9 } as const;

/** The opset the generated graphs use; every operator in them exists unchanged since opset 13-15. */
export const OPSET = 17;

export const attr = {
  int: (name: string, i: number): AttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.INT,
    i,
  }),
  ints: (name: string, ints: number[]): AttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.INTS,
    ints,
  }),
  float: (name: string, f: number): AttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.FLOAT,
    f,
  }),
};

export function valueInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function floatTensor(name: string, data: Float32Array, dims: number[]): TensorProto {
  // Raw little-endian bytes, as the ONNX spec requires for raw_data.
  return {
    name,
    dims,
    dataType: ElemType.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

export function int64Tensor(name: string, values: number[], dims: number[]): TensorProto {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims, dataType: ElemType.INT64, rawData: new Uint8Array(data.buffer) };
}

/** Appends nodes in topological order and names every intermediate value uniquely. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  private counter = 0;
  private readonly constants = new Map<string, string>();

  unique(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  /** Adds a node; returns the names of its outputs. */
  node(
    opType: string,
    inputs: string[],
    options: { name?: string; outputs?: string[]; attributes?: AttributeProto[] } = {},
  ) {
    const name = options.name ?? this.unique(`/${opType}`);
    const outputs = options.outputs ?? [`${name}_output_0`];
    this.nodes.push({ opType, name, input: inputs, output: outputs, attribute: options.attributes ?? [] });
    return outputs;
  }

  /** Single-output node shorthand. */
  op(opType: string, inputs: string[], attributes: AttributeProto[] = [], name?: string): string {
    return this.node(opType, inputs, { attributes, name })[0] as string;
  }

  constInt64(values: number[], dims: number[] = [values.length]): string {
    const key = `i64:${dims.join(",")}:${values.join(",")}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = this.unique("const_i64");
    this.initializers.push(int64Tensor(name, values, dims));
    this.constants.set(key, name);
    return name;
  }

  constFloat(value: number): string {
    const key = `f32:${value}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = this.unique("const_f32");
    this.initializers.push(floatTensor(name, Float32Array.of(value), []));
    this.constants.set(key, name);
    return name;
  }

  toModel(graphName: string): ModelProto {
    return onnx.ModelProto.create({
      irVersion: 8,
      producerName: "payable-ai-inference-node",
      opsetImport: [{ domain: "", version: OPSET }],
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}
