package dev.rollgate.workflows.migration.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * One operation of a {@link MigrationPlan}, told apart by its {@code op} property. Identifiers are
 * lower-case names ({@code [a-z_][a-z0-9_]*}, at most 63 bytes); expressions ({@code up}, {@code
 * down}, {@code backfill}, {@code default}, {@code check}) are SQL embedded as written; types are
 * PostgreSQL type names ({@code numeric(12,2)}, {@code timestamp with time zone}, {@code text[]}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "op")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Operation.RenameColumn.class, name = "rename_column"),
  @JsonSubTypes.Type(value = Operation.ChangeType.class, name = "change_type"),
  @JsonSubTypes.Type(value = Operation.AddColumn.class, name = "add_column"),
  @JsonSubTypes.Type(value = Operation.SetNotNull.class, name = "set_not_null"),
  @JsonSubTypes.Type(value = Operation.AddForeignKey.class, name = "add_foreign_key"),
  @JsonSubTypes.Type(value = Operation.CreateIndex.class, name = "create_index"),
  @JsonSubTypes.Type(value = Operation.AddUnique.class, name = "add_unique"),
  @JsonSubTypes.Type(value = Operation.AddCheck.class, name = "add_check"),
  @JsonSubTypes.Type(value = Operation.SetDefault.class, name = "set_default"),
  @JsonSubTypes.Type(value = Operation.CreateTable.class, name = "create_table"),
  @JsonSubTypes.Type(value = Operation.RenameTable.class, name = "rename_table"),
  @JsonSubTypes.Type(value = Operation.DropIndex.class, name = "drop_index"),
  @JsonSubTypes.Type(value = Operation.DropColumn.class, name = "drop_column"),
  @JsonSubTypes.Type(value = Operation.DropTable.class, name = "drop_table")
})
public sealed interface Operation {

  /** The {@code op} name of this operation, as written in a plan. */
  default String op() {
    return getClass().getAnnotation(Op.class).value();
  }

  /** The name of an operation in a plan, kept next to the record for messages. */
  @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
  @interface Op {
    String value();
  }

  /**
   * Renames a column: the new version sees it under {@code to} (a view column) at once; the table
   * column is renamed at contract.
   */
  @Op("rename_column")
  record RenameColumn(String table, String from, String to) implements Operation {}

  /**
   * Changes a column's type: a new column of {@code type} filled with {@code up} (written in terms
   * of the table's current columns), kept in sync both ways by a trigger ({@code down} converts a
   * new value back, written in terms of the column's own name, which is its new value), swapped in
   * at contract.
   */
  @Op("change_type")
  record ChangeType(String table, String column, String type, String up, String down)
      implements Operation {}

  /**
   * Adds a nullable column, its default set separately (never a table rewrite). Rows present are
   * filled with {@code backfill} (or the default when no backfill is given); rows the old version
   * writes get it from a trigger. {@code notNull: true} is refused: use {@link SetNotNull}.
   */
  @Op("add_column")
  record AddColumn(
      String table,
      String column,
      String type,
      @JsonProperty("default") String defaultValue,
      String backfill,
      Boolean notNull)
      implements Operation {}

  /**
   * Sets NOT NULL without a long lock: on PostgreSQL 18 a {@code NOT NULL ... NOT VALID}
   * constraint, on older servers a {@code CHECK (column IS NOT NULL) NOT VALID}; then the backfill
   * replaces NULLs with {@code backfill} (when given), and VALIDATE scans under a weak lock.
   */
  @Op("set_not_null")
  record SetNotNull(String table, String column, String backfill) implements Operation {}

  /** Adds a foreign key {@code NOT VALID}, validated after the backfill. */
  @Op("add_foreign_key")
  record AddForeignKey(
      String table,
      String name,
      List<String> columns,
      String refTable,
      List<String> refColumns,
      String onDelete)
      implements Operation {
    public AddForeignKey {
      columns = columns == null ? List.of() : List.copyOf(columns);
      refColumns = refColumns == null ? List.of() : List.copyOf(refColumns);
    }
  }

  /** Creates an index {@code CONCURRENTLY}. */
  @Op("create_index")
  record CreateIndex(String table, String name, List<String> columns) implements Operation {
    public CreateIndex {
      columns = columns == null ? List.of() : List.copyOf(columns);
    }
  }

  /**
   * Adds a unique constraint: {@code CREATE UNIQUE INDEX CONCURRENTLY}, then {@code ADD CONSTRAINT
   * ... UNIQUE USING INDEX}.
   */
  @Op("add_unique")
  record AddUnique(String table, String name, List<String> columns) implements Operation {
    public AddUnique {
      columns = columns == null ? List.of() : List.copyOf(columns);
    }
  }

  /** Adds a check constraint {@code NOT VALID}, validated after the backfill. */
  @Op("add_check")
  record AddCheck(String table, String name, String check) implements Operation {}

  /**
   * Changes a column's default ({@code default: null} drops it); rollback restores {@code previous}
   * ({@code null}: no default).
   */
  @Op("set_default")
  record SetDefault(
      String table, String column, @JsonProperty("default") String defaultValue, String previous)
      implements Operation {}

  /** Creates a table; {@code primaryKey} lists its key columns. */
  @Op("create_table")
  record CreateTable(String table, List<Column> columns, List<String> primaryKey)
      implements Operation {
    public CreateTable {
      columns = columns == null ? List.of() : List.copyOf(columns);
      primaryKey = primaryKey == null ? List.of() : List.copyOf(primaryKey);
    }
  }

  /** A column of {@link CreateTable}. */
  record Column(
      String name, String type, Boolean notNull, @JsonProperty("default") String defaultValue) {}

  /**
   * Renames a table; the old name stays an updatable view on it until contract, so the old version
   * keeps working.
   */
  @Op("rename_table")
  record RenameTable(String from, String to) implements Operation {}

  /** Drops an index {@code CONCURRENTLY}, at contract (rollback has nothing to restore). */
  @Op("drop_index")
  record DropIndex(String name) implements Operation {}

  /** Drops a column at contract; the new version's view hides it from expand on. */
  @Op("drop_column")
  record DropColumn(String table, String column) implements Operation {}

  /** Drops a table at contract; the new version has no view of it. */
  @Op("drop_table")
  record DropTable(String table) implements Operation {}
}
