// An already-settled result with a synchronous `then`: what a blocking executor returns from
// invoke(), so the Proxy factory's `invoke(...).then(wrap)` chains run at once and the sync
// framework's chainFuture can hand back the value (or throw the error) before returning.
export class Settled {
  private constructor(
    readonly ok: boolean,
    readonly value: unknown,
  ) {}

  static of(value: unknown): Settled {
    return new Settled(true, value);
  }

  static failed(error: unknown): Settled {
    return new Settled(false, error);
  }

  /** Runs `run` now; its value or its throw, settled. */
  static from(run: () => unknown): Settled {
    try {
      const value = run();
      return value instanceof Settled ? value : Settled.of(value); // a Settled from a then() callback is adopted, as a Promise's would be
    } catch (error) {
      return Settled.failed(error);
    }
  }

  then(onOk?: ((value: any) => unknown) | null, onError?: ((error: any) => unknown) | null): Settled {
    const next = this.ok ? onOk : onError;
    if (!next) return this;
    return Settled.from(() => next(this.value));
  }

  catch(onError: (error: any) => unknown): Settled {
    return this.then(undefined, onError);
  }

  /** The value, or the error thrown. */
  unwrap(): unknown {
    if (this.ok) return this.value;
    throw this.value;
  }
}
