import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";
import { InvalidRequestError, ModelFormatError } from "../errors.js";
import type { ChatMessage, StreamDecoder, TextTokenizer } from "./tokenizer.js";

export const TOKENIZER_FILE = "tokenizer.json";
export const TOKENIZER_CONFIG_FILE = "tokenizer_config.json";
export const GENERATION_CONFIG_FILE = "generation_config.json";
export const CHAT_TEMPLATE_FILE = "chat_template.jinja";

type JsonObject = Record<string, unknown>;

export interface HfTokenizerOptions {
  /** Rows of the model's embedding: every id the tokenizer can produce must be below it. */
  vocabSize: number;
  /** EOS ids named elsewhere (config.json, generation_config.json). */
  eosTokenIds?: number[];
  /** Overrides the template of tokenizer_config.json (e.g. from chat_template.jinja). */
  chatTemplate?: string;
}

/** A special token in tokenizer_config.json is a string or an AddedToken object `{ content }`. */
function tokenText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null && typeof (value as JsonObject).content === "string")
    return (value as { content: string }).content;
  return null;
}

/** The `chat_template` field is one template or a list of named ones; "default" is used. */
function pickTemplate(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const named = value.find((t) => (t as JsonObject)?.name === "default") as JsonObject | undefined;
    return typeof named?.template === "string" ? named.template : null;
  }
  return null;
}

/**
 * A model's own tokenizer (`tokenizer.json` through @huggingface/tokenizers) and chat template
 * (`tokenizer_config.json` or `chat_template.jinja`, rendered with @huggingface/jinja).
 */
export class HfTokenizer implements TextTokenizer {
  readonly vocabSize: number;
  readonly eosIds: ReadonlySet<number>;
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  private readonly tokenizer: Tokenizer;
  private readonly template: Template | null;
  private readonly specialTokens: JsonObject;

  constructor(tokenizerJson: JsonObject, tokenizerConfig: JsonObject, options: HfTokenizerOptions) {
    try {
      this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    } catch (error) {
      throw new ModelFormatError(`${TOKENIZER_FILE}: ${(error as Error).message}`);
    }
    this.vocabSize = options.vocabSize;
    let largest = -1;
    for (const id of this.tokenizer.get_vocab(true).values()) largest = Math.max(largest, id);
    if (largest >= options.vocabSize) {
      throw new ModelFormatError(
        `${TOKENIZER_FILE} has token id ${largest}, beyond the model's vocabulary of ${options.vocabSize}`,
      );
    }
    this.bosToken = tokenText(tokenizerConfig.bos_token);
    this.eosToken = tokenText(tokenizerConfig.eos_token);
    this.specialTokens = {
      bos_token: this.bosToken ?? "",
      eos_token: this.eosToken ?? "",
      pad_token: tokenText(tokenizerConfig.pad_token) ?? "",
      unk_token: tokenText(tokenizerConfig.unk_token) ?? "",
    };
    const eos = new Set(options.eosTokenIds ?? []);
    const eosFromToken = this.eosToken === null ? undefined : this.tokenizer.token_to_id(this.eosToken);
    if (eosFromToken !== undefined) eos.add(eosFromToken);
    if (eos.size === 0) throw new ModelFormatError("the checkpoint names no EOS token");
    for (const id of eos) {
      if (!Number.isInteger(id) || id < 0 || id >= options.vocabSize)
        throw new ModelFormatError(`EOS id ${id} is outside the vocabulary of ${options.vocabSize}`);
    }
    this.eosIds = eos;
    const source = options.chatTemplate ?? pickTemplate(tokenizerConfig.chat_template);
    try {
      this.template = source === null ? null : new Template(source);
    } catch (error) {
      throw new ModelFormatError(`chat template: ${(error as Error).message}`);
    }
  }

  /** Reads tokenizer.json, tokenizer_config.json, generation_config.json and chat_template.jinja. */
  static async fromDirectory(
    directory: string,
    options: { vocabSize: number; eosTokenIds?: number[] },
  ): Promise<HfTokenizer> {
    const readJson = async (file: string, required: boolean): Promise<JsonObject | null> => {
      let text: string;
      try {
        text = await readFile(join(directory, file), "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT" && !required) return null;
        if ((error as NodeJS.ErrnoException).code === "ENOENT")
          throw new ModelFormatError(`${file} is missing: a checkpoint needs its tokenizer`);
        throw error;
      }
      try {
        const parsed = JSON.parse(text);
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
          throw new Error("not an object");
        return parsed as JsonObject;
      } catch (error) {
        throw new ModelFormatError(`${file}: ${(error as Error).message}`);
      }
    };
    const tokenizerJson = (await readJson(TOKENIZER_FILE, true)) as JsonObject;
    const tokenizerConfig = (await readJson(TOKENIZER_CONFIG_FILE, false)) ?? {};
    const generationConfig = (await readJson(GENERATION_CONFIG_FILE, false)) ?? {};
    const chatTemplate = await readFile(join(directory, CHAT_TEMPLATE_FILE), "utf8").catch(() => undefined);
    const generationEos = generationConfig.eos_token_id;
    const eosTokenIds = [
      ...(options.eosTokenIds ?? []),
      ...(typeof generationEos === "number"
        ? [generationEos]
        : Array.isArray(generationEos)
          ? generationEos
          : []),
    ];
    return new HfTokenizer(tokenizerJson, tokenizerConfig, {
      vocabSize: options.vocabSize,
      eosTokenIds: eosTokenIds as number[],
      ...(chatTemplate === undefined ? {} : { chatTemplate }),
    });
  }

  get hasChatTemplate(): boolean {
    return this.template !== null;
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: true }).ids;
  }

  /** The conversation as the model's template writes it, ending where the assistant speaks. */
  renderChat(messages: ChatMessage[]): string {
    if (!this.template) throw new InvalidRequestError("this model has no chat template; use /v1/completions");
    try {
      return this.template.render({
        ...this.specialTokens,
        messages,
        add_generation_prompt: true,
      });
    } catch (error) {
      // Templates refuse conversations they cannot write (raise_exception): the client's mistake.
      throw new InvalidRequestError(
        `the chat template refused the messages: ${(error as Error).message}`,
        "messages",
      );
    }
  }

  /** The template writes the special tokens itself, so none are added (as transformers does). */
  encodeChat(messages: ChatMessage[]): number[] {
    return this.tokenizer.encode(this.renderChat(messages), { add_special_tokens: false }).ids;
  }

  decode(tokens: number[]): string {
    const ids = this.known(tokens);
    return ids.length === 0 ? "" : this.tokenizer.decode(ids, { skip_special_tokens: true });
  }

  /**
   * Decodes the ids seen so far against the text they gave one token earlier, so merges and
   * SentencePiece's leading-space rule come out as in a full decode; text ending in an incomplete
   * UTF-8 character (U+FFFD) is held back until the next token completes it.
   */
  createDecoder(): StreamDecoder {
    const ids: number[] = [];
    let prefixOffset = 0;
    let readOffset = 0;
    const step = (final: boolean): string => {
      const before = this.decode(ids.slice(prefixOffset, readOffset));
      const after = this.decode(ids.slice(prefixOffset));
      if (after.length <= before.length || (!final && after.endsWith("\uFFFD"))) return "";
      prefixOffset = readOffset;
      readOffset = ids.length;
      return after.slice(before.length);
    };
    return {
      push: (token: number) => {
        ids.push(token);
        return step(false);
      },
      flush: () => step(true),
    };
  }

  /** Ids the vocabulary has: embedding rows past the tokenizer's last token decode to nothing. */
  private known(tokens: number[]): number[] {
    return tokens.filter((id) => this.tokenizer.id_to_token(id) !== undefined);
  }
}
