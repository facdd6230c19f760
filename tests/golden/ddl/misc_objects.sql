CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA "ext schema";
COMMENT ON EXTENSION "uuid-ossp" IS 'uuids';
CREATE SCHEMA "fotos_ü ""x""";
COMMENT ON SCHEMA "fotos_ü ""x""" IS 'schema';
COMMENT ON SCHEMA "public" IS 'changed';
COMMENT ON SCHEMA "public" IS NULL;
CREATE UNLOGGED SEQUENCE "app"."free seq"
    AS integer
    START WITH 100
    INCREMENT BY -3
    MINVALUE -1000
    MAXVALUE 1000
    CACHE 5
    CYCLE;
COMMENT ON SEQUENCE "app"."free seq" IS 'sequence';
CREATE VIEW "app"."View" WITH (security_barrier='true', check_option='local') AS
 SELECT t.id,
    t.code
   FROM app.t;
ALTER VIEW "app"."View" ALTER COLUMN "code" SET DEFAULT 'x'::text;
COMMENT ON VIEW "app"."View" IS 'view';
COMMENT ON COLUMN "app"."View"."code" IS 'view column';
CREATE MATERIALIZED VIEW "app"."MatView" AS
 SELECT t.id,
    t.code
   FROM app.t
  WITH NO DATA;
ALTER MATERIALIZED VIEW "app"."MatView" ALTER COLUMN "code" SET STATISTICS 50;
COMMENT ON MATERIALIZED VIEW "app"."MatView" IS 'matview';
COMMENT ON COLUMN "app"."MatView"."code" IS 'view column';
CREATE VIEW "app"."View" AS
 SELECT NULL::integer AS "id",
    NULL::text AS "code";
CREATE OR REPLACE VIEW "app"."View" WITH (security_barrier='true', check_option='local') AS
 SELECT t.id,
    t.code
   FROM app.t;
ALTER VIEW "app"."View" ALTER COLUMN "code" SET DEFAULT 'x'::text;
COMMENT ON VIEW "app"."View" IS 'view';
COMMENT ON COLUMN "app"."View"."code" IS 'view column';
