/** Registers a command behind the extension's one error boundary (given by `activate()`, which owns the registry). */
export type RegisterCommand = <A extends unknown[]>(id: string, handler: (...args: A) => unknown) => void;
