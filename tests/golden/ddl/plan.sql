-- pre_data [SCHEMA app]
CREATE SCHEMA "app";
-- pre_data [EXTENSION cube]
CREATE EXTENSION IF NOT EXISTS "cube" WITH SCHEMA "public";
-- pre_data [EXTENSION earthdistance]
CREATE EXTENSION IF NOT EXISTS "earthdistance" WITH SCHEMA "public";
-- pre_data [EXTENSION vchord]
CREATE EXTENSION IF NOT EXISTS "vchord" WITH SCHEMA "public";
-- pre_data [TYPE app.mood]
CREATE TYPE "app"."mood" AS ENUM (
    'sad',
    'happy'
);
-- pre_data [FUNCTION app.is_ok(integer)]
CREATE OR REPLACE FUNCTION app.is_ok(integer)
 RETURNS boolean
 LANGUAGE sql
AS $f$ SELECT true $f$;
-- pre_data [SEQUENCE app.free]
CREATE SEQUENCE "app"."free"
    AS integer
    START WITH 1
    INCREMENT BY 1
    MINVALUE 1
    MAXVALUE 2147483647
    CACHE 1;
-- pre_data [SEQUENCE app.t_id_seq] table app.t
CREATE SEQUENCE "app"."t_id_seq"
    AS integer
    START WITH 1
    INCREMENT BY 1
    MINVALUE 1
    MAXVALUE 2147483647
    CACHE 1;
-- pre_data [VIEW app.cv (shell)] table app.cv
CREATE VIEW "app"."cv" AS
 SELECT NULL::integer AS "id";
-- pre_data [FUNCTION app.cf()]
CREATE OR REPLACE FUNCTION app.cf()
 RETURNS SETOF app.cv
 LANGUAGE sql
BEGIN ATOMIC
 SELECT 1;
END;
-- pre_data [TABLE app.p] table app.p
CREATE TABLE "app"."p" (
    "k" integer
)
PARTITION BY LIST (k);
-- pre_data [TABLE app.p1] table app.p1
CREATE TABLE "app"."p1" (
    "k" integer
);
ALTER TABLE ONLY "app"."p" ATTACH PARTITION "app"."p1" FOR VALUES IN (1);
-- pre_data [TABLE app.t] table app.t
CREATE TABLE "app"."t" (
    "id" integer DEFAULT nextval('app.t_id_seq'::regclass) NOT NULL,
    "score" integer,
    "mood" app.mood,
    CONSTRAINT "t_score_check" CHECK (app.is_ok(score))
);
ALTER SEQUENCE "app"."t_id_seq" OWNED BY "app"."t"."id";
-- pre_data [FUNCTION app.top()]
CREATE OR REPLACE FUNCTION app.top()
 RETURNS SETOF app.t
 LANGUAGE sql
AS $f$ SELECT * FROM app.t $f$;
-- pre_data [DEFAULT app.t.score] table app.t
ALTER TABLE ONLY "app"."t" ALTER COLUMN "score" SET DEFAULT ( SELECT count(*) AS count FROM app.top() top(id, score, mood))::integer;
-- pre_data [VIEW app.cv] table app.cv
CREATE OR REPLACE VIEW "app"."cv" AS
 SELECT 1 AS id
  WHERE (NOT (EXISTS ( SELECT 1
           FROM app.cf() cf(id))));
-- pre_data [VIEW app.v1] table app.v1
CREATE VIEW "app"."v1" AS
 SELECT t.id
   FROM app.t;
-- pre_data [VIEW app.v2] table app.v2
CREATE VIEW "app"."v2" AS
 SELECT v1.id
   FROM app.v1;
-- pre_data [MATERIALIZED VIEW app.m1] table app.m1
CREATE MATERIALIZED VIEW "app"."m1" AS
 SELECT v2.id
   FROM app.v2
  WITH NO DATA;
-- pre_data [MATERIALIZED VIEW app.a_m2] table app.a_m2
CREATE MATERIALIZED VIEW "app"."a_m2" AS
 SELECT m1.id
   FROM app.m1
  WITH NO DATA;
-- pre_data [MATERIALIZED VIEW app.m3] table app.m3
CREATE MATERIALIZED VIEW "app"."m3" AS
 SELECT 1 AS id
  WITH NO DATA;
-- pre_data [SEARCH_PATH]
SELECT pg_catalog.set_config('search_path', '"$user", public, vectors', false);
-- post_data indexes [INDEX app.m1_id_idx] table app.m1
CREATE UNIQUE INDEX m1_id_idx ON app.m1 USING btree (id);
ALTER INDEX "app"."m1_id_idx" ALTER COLUMN 1 SET STATISTICS 200;
-- post_data indexes [INDEX app.p_k_idx] table app.p
CREATE INDEX p_k_idx ON ONLY app.p USING btree (k);
CREATE INDEX p1_k_idx ON app.p1 USING btree (k);
ALTER TABLE "app"."p1" CLUSTER ON "p1_k_idx";
ALTER INDEX "app"."p_k_idx" ATTACH PARTITION "app"."p1_k_idx";
-- post_data indexes [CONSTRAINT app.t_pkey] table app.t
ALTER TABLE ONLY "app"."t" ADD CONSTRAINT "t_pkey" PRIMARY KEY (id);
COMMENT ON CONSTRAINT "t_pkey" ON "app"."t" IS 'pk comment';
COMMENT ON INDEX "app"."t_pkey" IS 'index comment';
-- post_data indexes [STATISTICS app.t_stats] table app.t
CREATE STATISTICS app.t_stats (ndistinct) ON id, score FROM app.t;
ALTER STATISTICS "app"."t_stats" SET STATISTICS 100;
-- post_data foreign_keys [FK app.p_k_fkey] table app.p
ALTER TABLE "app"."p" ADD CONSTRAINT "p_k_fkey" FOREIGN KEY (k) REFERENCES app.t(id) DEFERRABLE INITIALLY DEFERRED;
-- post_data final [SEQUENCE SET app.t_id_seq] table app.t
SELECT pg_catalog.setval('"app"."t_id_seq"', 42, true);
-- post_data final [SEQUENCE SET app.free]
SELECT pg_catalog.setval('"app"."free"', 1, false);
-- post_data final [CONSTRAINT app.t_later] table app.t
ALTER TABLE ONLY "app"."t" ADD CONSTRAINT "t_later" CHECK ((score < 100)) NOT VALID;
COMMENT ON CONSTRAINT "t_later" ON "app"."t" IS 'added later';
-- post_data final [TRIGGER t_touch ON app.t] table app.t
CREATE TRIGGER t_touch BEFORE UPDATE ON app.t FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE "app"."t" DISABLE TRIGGER "t_touch";
COMMENT ON TRIGGER "t_touch" ON "app"."t" IS 'trigger comment';
-- post_data final [RULE t_protect ON app.t] table app.t
CREATE RULE t_protect AS
    ON DELETE TO app.t DO INSTEAD NOTHING;
ALTER TABLE "app"."t" ENABLE ALWAYS RULE "t_protect";
-- post_data final [ROW SECURITY app.t] table app.t
ALTER TABLE "app"."t" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "app"."t" FORCE ROW LEVEL SECURITY;
-- post_data final [POLICY t_read ON app.t] table app.t
CREATE POLICY "t_read" ON "app"."t" AS PERMISSIVE FOR SELECT TO "reader", "Mixed Role" USING ((score > 0));
-- post_data final [POLICY t_all ON app.t] table app.t
CREATE POLICY "t_all" ON "app"."t" AS RESTRICTIVE FOR ALL TO PUBLIC WITH CHECK ((score < 10));
-- post_data final [REFRESH MATERIALIZED VIEW app.m1] table app.m1
REFRESH MATERIALIZED VIEW "app"."m1";
-- post_data final [REFRESH MATERIALIZED VIEW app.a_m2] table app.a_m2
REFRESH MATERIALIZED VIEW "app"."a_m2";
-- post_data final [DATABASE SETTINGS]
DO $do$ BEGIN EXECUTE 'ALTER DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' SET "search_path" TO ''$user'', ''public'', ''vectors'''; END $do$;
DO $do$ BEGIN EXECUTE 'COMMENT ON DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' IS ' || '''photos'''; END $do$;
-- owners [OWNER SCHEMA app]
ALTER SCHEMA "app" OWNER TO "app owner";
-- owners [OWNER TYPE app.mood]
ALTER TYPE "app"."mood" OWNER TO "app owner";
-- owners [OWNER FUNCTION app.top()]
ALTER FUNCTION "app"."top"() OWNER TO "app owner";
-- owners [OWNER FUNCTION app.cf()]
ALTER FUNCTION "app"."cf"() OWNER TO "app owner";
-- owners [OWNER FUNCTION app.is_ok(integer)]
ALTER FUNCTION "app"."is_ok"(integer) OWNER TO "app owner";
-- owners [OWNER VIEW app.cv] table app.cv
ALTER VIEW "app"."cv" OWNER TO "app owner";
-- owners [OWNER MATERIALIZED VIEW app.a_m2] table app.a_m2
ALTER MATERIALIZED VIEW "app"."a_m2" OWNER TO "app owner";
-- owners [OWNER MATERIALIZED VIEW app.m1] table app.m1
ALTER MATERIALIZED VIEW "app"."m1" OWNER TO "app owner";
-- owners [OWNER MATERIALIZED VIEW app.m3] table app.m3
ALTER MATERIALIZED VIEW "app"."m3" OWNER TO "app owner";
-- owners [OWNER TABLE app.p] table app.p
ALTER TABLE "app"."p" OWNER TO "app owner";
-- owners [OWNER TABLE app.p1] table app.p1
ALTER TABLE "app"."p1" OWNER TO "app owner";
-- owners [OWNER TABLE app.t] table app.t
ALTER TABLE "app"."t" OWNER TO "app owner";
-- owners [OWNER VIEW app.v1] table app.v1
ALTER VIEW "app"."v1" OWNER TO "app owner";
-- owners [OWNER VIEW app.v2] table app.v2
ALTER VIEW "app"."v2" OWNER TO "app owner";
-- owners [OWNER SEQUENCE app.free]
ALTER SEQUENCE "app"."free" OWNER TO "app owner";
-- owners [OWNER STATISTICS app.t_stats] table app.t
ALTER STATISTICS "app"."t_stats" OWNER TO "app owner";
-- owners [ROLE SETTINGS]
DO $do$ BEGIN EXECUTE 'ALTER ROLE ' || '"reader"' || ' IN DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' SET "work_mem" TO ''8MB'''; END $do$;
-- privileges [ACL SCHEMA app]
GRANT USAGE ON SCHEMA "app" TO "reader";
-- privileges [ACL FUNCTION app.is_ok(integer)]
REVOKE ALL ON FUNCTION "app"."is_ok"(integer) FROM PUBLIC;
-- privileges [ACL TABLE app.t] table app.t
GRANT SELECT ON TABLE "app"."t" TO "reader";
GRANT UPDATE("score") ON TABLE "app"."t" TO "writer";
-- privileges [ACL DEFAULT PRIVILEGES FOR app owner TABLES IN app]
ALTER DEFAULT PRIVILEGES FOR ROLE "app owner" IN SCHEMA "app" GRANT SELECT ON TABLES TO "reader";
