CREATE TABLE "Mixed Case"."we""ird.ta ble" (
    "Id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (
        SEQUENCE NAME "Mixed Case"."we""ird.ta ble_Id_seq"
        START WITH 10
        INCREMENT BY 5
        MINVALUE 1
        MAXVALUE 9223372036854775807
        CACHE 1
    ),
    "select" text COLLATE pg_catalog."C" DEFAULT 'x'::text,
    "fötö größe" integer GENERATED ALWAYS AS (("Id" * 2)) STORED,
    "a.b" "Mixed Case"."Email" DEFAULT app.next_code(),
    CONSTRAINT "Check ""me""" CHECK (("Id" > 0))
)
WITH (fillfactor='70', toast.autovacuum_enabled='false');
ALTER TABLE ONLY "Mixed Case"."we""ird.ta ble" ALTER COLUMN "select" SET STATISTICS 500;
ALTER TABLE ONLY "Mixed Case"."we""ird.ta ble" ALTER COLUMN "select" SET STORAGE EXTERNAL;
ALTER TABLE ONLY "Mixed Case"."we""ird.ta ble" ALTER COLUMN "select" SET COMPRESSION pglz;
ALTER TABLE ONLY "Mixed Case"."we""ird.ta ble" ALTER COLUMN "fötö größe" SET (n_distinct=100);
ALTER TABLE ONLY "Mixed Case"."we""ird.ta ble" REPLICA IDENTITY FULL;
ALTER SEQUENCE "Mixed Case"."serial ""seq""" OWNED BY "Mixed Case"."we""ird.ta ble"."a.b";
COMMENT ON TABLE "Mixed Case"."we""ird.ta ble" IS 'it''s a table';
COMMENT ON COLUMN "Mixed Case"."we""ird.ta ble"."select" IS 'reserved word';
COMMENT ON CONSTRAINT "Check ""me""" ON "Mixed Case"."we""ird.ta ble" IS 'constraint comment';
-- with the default of "a.b" split out to break a cycle:
CREATE TABLE "Mixed Case"."we""ird.ta ble" (
    "Id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (
        SEQUENCE NAME "Mixed Case"."we""ird.ta ble_Id_seq"
        START WITH 10
        INCREMENT BY 5
        MINVALUE 1
        MAXVALUE 9223372036854775807
        CACHE 1
    ),
    "select" text COLLATE pg_catalog."C" DEFAULT 'x'::text,
    "fötö größe" integer GENERATED ALWAYS AS (("Id" * 2)) STORED,
    "a.b" "Mixed Case"."Email",
    CONSTRAINT "Check ""me""" CHECK (("Id" > 0))
)
WITH (fillfactor='70', toast.autovacuum_enabled='false');
ALTER TABLE ONLY "Mixed Case"."we""ird.ta ble" ALTER COLUMN "select" SET STATISTICS 500;
ALTER TABLE ONLY "Mixed Case"."we""ird.ta ble" ALTER COLUMN "select" SET STORAGE EXTERNAL;
ALTER TABLE ONLY "Mixed Case"."we""ird.ta ble" ALTER COLUMN "select" SET COMPRESSION pglz;
ALTER TABLE ONLY "Mixed Case"."we""ird.ta ble" ALTER COLUMN "fötö größe" SET (n_distinct=100);
ALTER TABLE ONLY "Mixed Case"."we""ird.ta ble" REPLICA IDENTITY FULL;
COMMENT ON TABLE "Mixed Case"."we""ird.ta ble" IS 'it''s a table';
COMMENT ON COLUMN "Mixed Case"."we""ird.ta ble"."select" IS 'reserved word';
COMMENT ON CONSTRAINT "Check ""me""" ON "Mixed Case"."we""ird.ta ble" IS 'constraint comment';
ALTER TABLE ONLY "Mixed Case"."we""ird.ta ble" ALTER COLUMN "a.b" SET DEFAULT app.next_code();
ALTER TABLE ONLY "Mixed Case"."we""ird.ta ble" ADD CONSTRAINT "Check ""me""" CHECK (("Id" > 0));
COMMENT ON CONSTRAINT "Check ""me""" ON "Mixed Case"."we""ird.ta ble" IS 'constraint comment';
