/**
 * Byte-level tokenizer: ids 0-255 are the UTF-8 bytes of the text, then three special tokens.
 * Any text round-trips exactly; no merges, so one token per byte.
 */
export const BOS_TOKEN = 256;
export const EOS_TOKEN = 257;
export const PAD_TOKEN = 258;
export const BYTE_VOCAB_SIZE = 259;

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Streams text out of generated ids: a piece is released once it cannot change. */
export interface StreamDecoder {
  push(token: number): string;
  flush(): string;
}

/** What the scheduler and the HTTP app need of a tokenizer: the byte one or a model's own. */
export interface TextTokenizer {
  readonly vocabSize: number;
  /** Generation stops on any of these. */
  readonly eosIds: ReadonlySet<number>;
  /** A completion prompt, with the special tokens the model expects (BOS). */
  encode(text: string): number[];
  /** A chat rendered with the model's template, ready to continue as the assistant. */
  encodeChat(messages: ChatMessage[]): number[];
  createDecoder(): StreamDecoder;
  decode(tokens: number[]): string;
}

export class ByteTokenizer implements TextTokenizer {
  readonly bos = BOS_TOKEN;
  readonly eos = EOS_TOKEN;
  readonly pad = PAD_TOKEN;
  readonly vocabSize = BYTE_VOCAB_SIZE;
  readonly eosIds: ReadonlySet<number> = new Set([EOS_TOKEN]);
  private readonly encoder = new TextEncoder();

  /** Encodes a prompt, prefixed with BOS. */
  encode(text: string): number[] {
    return [BOS_TOKEN, ...this.encoder.encode(text)];
  }

  encodeChat(messages: ChatMessage[]): number[] {
    return this.encode(this.applyChatTemplate(messages));
  }

  /** Chat template: `<bos>` then `<role>: <content>\n` per message, then `assistant: `. */
  applyChatTemplate(messages: ChatMessage[]): string {
    return `${messages.map((m) => `${m.role}: ${m.content}\n`).join("")}assistant: `;
  }

  /** A streaming decoder: bytes of a multi-byte character are held until the character is complete. */
  createDecoder(): StreamDecoder {
    const decoder = new TextDecoder("utf-8");
    return {
      push: (token: number) => (token < 256 ? decoder.decode(Uint8Array.of(token), { stream: true }) : ""),
      flush: () => decoder.decode(),
    };
  }

  decode(tokens: number[]): string {
    return new TextDecoder().decode(Uint8Array.from(tokens.filter((t) => t < 256)));
  }
}
