package dev.rollgate.starter;

/** How results are printed: tables for people, JSON for scripts. */
public enum Output {
  table,
  json
}
