-- immichbak backup, format 1.0
-- Restore with `immichbak restore FILE`, or with stock tools into an empty database:
--   zstd -dc FILE | psql -X -d DBNAME      (FILE.sql: psql -X -d DBNAME -f FILE)
\set ON_ERROR_STOP on
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET DateStyle = 'ISO';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 3;
SET TimeZone = 'UTC';
SET client_min_messages = warning;
SET row_security = off;
SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET xmloption = content;
CREATE TABLE "public"."t" ("id" integer, "v" text);
SELECT pg_catalog.set_config('search_path', 'public', false);
COPY "public"."t" ("id", "v") FROM stdin;
1	hello
2	w\tor\\ld
\.
CREATE INDEX t_idx ON "public"."t" USING btree ("id");
-- immichbak-manifest {"format_major":1,"format_minor":0,"compression":"none","database":"spec","restore_search_path":"public","tables":[{"schema":"public","name":"t","rows":2,"content_hash":"775d10aee0dbf78845b81338870ded18db805306ff13d971943940a935232889","plain_bytes":65,"stored_bytes":65}],"frames":[{"kind":"header","offset":0,"stored_size":664,"plain_size":664,"sha256":"5c0ae14ce11da733b1ae12ba944167972a6da270e338c3584d0cdc0f7260c419"},{"kind":"pre_data","offset":664,"stored_size":52,"plain_size":52,"sha256":"3a7f5382b2694141c5b6fb22b385f810d86c7edc8fe7d59b6918f07d7d5f7b51","schema":"public","table":"t","label":"TABLE public.t"},{"kind":"pre_data","offset":716,"stored_size":62,"plain_size":62,"sha256":"3f5b4f10a88c292a8637efbd2d9e6cc236e67adfd1614020ef2250735af91ef6"},{"kind":"data","offset":778,"stored_size":65,"plain_size":65,"sha256":"bc85346d8923c4239efac816fb63f041110fe6c6ea193d7f598a8d3a90c410a5","schema":"public","table":"t","rows":2},{"kind":"post_data","offset":843,"stored_size":55,"plain_size":55,"sha256":"7b90d343a88a779e3a0d77fac11a9c0d978c086650266ef7a092a247632581a2","schema":"public","table":"t","phase":"indexes"}]}
-- immichbak-footer major=00001 minor=00000 flags=00000000 manifest_offset=00000000000000000920 manifest_length=00000000000000001131 mani