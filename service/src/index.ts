export {
  type CommandLine,
  type CommandLineDefinition,
  defineCommandLine,
  type Entry,
  exitWithUsage,
  type OptionKind,
  type OptionSource,
  type OptionSpec,
  type OptionSpecs,
  type ParsedCommandLine,
  parseOrExit,
  type ResolvedOptions,
  UsageError,
} from "./commandLine.js";
export {
  type CloseHttpOptions,
  DEFAULT_CLOSE_GRACE_MS,
  type HttpService,
  type ServeHttpOptions,
  serveHttp,
} from "./httpServer.js";
