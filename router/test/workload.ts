/** One request of a mixed workload and what the client saw. */
export interface Outcome {
  id: string;
  model: string;
  stream: boolean;
  status: number;
  /** The node that answered (`x-routed-to`). */
  node: string | null;
  /** The text generated, when the request was served. */
  text: string | null;
  error: { code: string; message: string } | null;
}

/** The `data:` payloads of a server-sent event stream, `[DONE]` included. */
export function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .filter((e) => e.startsWith("data: "))
    .map((e) => e.slice("data: ".length));
}

/** Sends one completion (chat or text, streamed or not) and reads the whole answer. */
export async function send(
  url: string,
  request: { id: string; model: string; stream: boolean; chat: boolean; maxTokens: number },
): Promise<Outcome> {
  const body = request.chat
    ? { messages: [{ role: "user", content: `question ${request.id}` }] }
    : { prompt: `prompt ${request.id}` };
  const response = await fetch(`${url}/v1/${request.chat ? "chat/completions" : "completions"}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": request.id },
    body: JSON.stringify({
      ...body,
      model: request.model,
      max_tokens: request.maxTokens,
      temperature: 0,
      stream: request.stream,
    }),
  });
  const text = await response.text();
  const base = {
    id: request.id,
    model: request.model,
    stream: request.stream,
    status: response.status,
    node: response.headers.get("x-routed-to"),
  };
  if (response.status !== 200) {
    const error = (JSON.parse(text) as { error: { code: string; message: string } }).error;
    return { ...base, text: null, error };
  }
  if (!request.stream) {
    const json = JSON.parse(text) as { choices: { text?: string; message?: { content: string } }[] };
    const choice = json.choices[0];
    return { ...base, text: choice?.text ?? choice?.message?.content ?? "", error: null };
  }
  const events = sseData(text);
  if (events.at(-1) !== "[DONE]") return { ...base, text: null, error: { code: "no_done", message: text } };
  let generated = "";
  for (const data of events.slice(0, -1)) {
    const json = JSON.parse(data) as {
      error?: { code: string; message: string };
      choices?: { text?: string; delta?: { content?: string } }[];
    };
    if (json.error) return { ...base, text: null, error: json.error };
    generated += json.choices?.[0]?.text ?? json.choices?.[0]?.delta?.content ?? "";
  }
  return { ...base, text: generated, error: null };
}

/** Runs `requests` with at most `concurrency` at once; `onDone` sees each outcome as it lands. */
export async function runWorkload<R extends { id: string }>(
  requests: R[],
  concurrency: number,
  run: (request: R) => Promise<Outcome>,
  onDone: (outcome: Outcome, finished: number) => void | Promise<void> = () => {},
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++] as R;
      const outcome = await run(request);
      outcomes.push(outcome);
      await onDone(outcome, outcomes.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/** A deterministic mix over `adapters`: chat and text, streamed and not, one in ten on the base model. */
export function mixedRequests(prefix: string, count: number, adapters: string[], maxTokens = 4) {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    // Adapter requests walk every adapter (37 is prime to the count) in a scattered order.
    model: i % 10 === 9 ? "base" : (adapters[((i - Math.floor(i / 10)) * 37) % adapters.length] as string),
    stream: i % 3 === 0,
    chat: i % 2 === 0,
    maxTokens,
  }));
}
