package dev.rollgate.starter.cli;

/** How results are printed: tables for people, JSON for scripts. */
public enum Output {
  table,
  json
}
