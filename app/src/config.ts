import type { AppConfig, DemoAccount } from "../server/appServer.js";

export type { AppConfig, DemoAccount };

/** The chain, contracts and demo accounts, from the app server; read once at start. */
export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch("/config.json");
  if (!response.ok) throw new Error(`the app server answered ${response.status} for /config.json`);
  return (await response.json()) as AppConfig;
}
