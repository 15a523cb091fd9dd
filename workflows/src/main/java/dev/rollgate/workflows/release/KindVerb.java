package dev.rollgate.workflows.release;

/**
 * An operator verb of a kind's own, beside the kit's four (e.g. a migration's {@code resize}),
 * registered with {@link Release#verb}. The kit handles it like its own: from an update ({@link
 * Release#act(String, Object)}) a refusal comes back as {@code REFUSED}; from a signal ({@link
 * Release#signal}) the raw payload is checked, and a malformed one, a refusal or a signal sent
 * before the verb existed in the run's history is refused with the reason. Every refusal is audited
 * ({@code <verb>-refused}) and kept in {@link GateView#rejected()}; one code path for both.
 *
 * @param <T> the payload's record
 */
public interface KindVerb<T> {
  /** Who asks, for the audit and the refusal line (null when the payload does not say). */
  String by(T argument);

  /**
   * Why the kind cannot honour it now, in one line, or null. Consulted after the kit's own check
   * (the release has ended). The argument is null when a signal carried no payload.
   */
  String refuse(T argument);

  /** Applies it (auditing what it did) and returns the answer, in words. */
  String apply(T argument);
}
