/**
 * Local feature-flag evaluation for applications, and the single home of Rollgate's flag data model
 * and JSON codec.
 *
 * <ul>
 *   <li>Data model: {@link dev.rollgate.flags.FlagDefinition}, {@link dev.rollgate.flags.Rule},
 *       {@link dev.rollgate.flags.Condition}, {@link dev.rollgate.flags.Operator}; names are
 *       checked by {@link dev.rollgate.flags.FlagNames}; JSON by {@link
 *       dev.rollgate.flags.FlagCodec}.
 *   <li>Storage layout shared with the server: {@link dev.rollgate.flags.FlagsRedisLayout}.
 *   <li>Evaluation: {@link dev.rollgate.flags.FlagSnapshot} over an {@link
 *       dev.rollgate.flags.EvaluationContext}, bucketing by {@link dev.rollgate.flags.Bucketing}.
 *   <li>Runtime: {@link dev.rollgate.flags.FlagsClient} keeps a snapshot current from Redis (push +
 *       poll), falls back to PostgreSQL, and serves the last snapshot when both are down.
 * </ul>
 */
package dev.rollgate.flags;
