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
CREATE TABLE "public"."asset" (id integer);
CREATE TABLE "public"."tag" (id integer);
CREATE TABLE "public"."empty_table" (id integer);
CREATE TABLE "public"."smart_search" (id integer);
CREATE TABLE "We""ird"."Tab le" (id integer);
SELECT pg_catalog.set_config('search_path', '"$user", public', false);
COPY "public"."asset" ("id", "originalPath", "ownerId") FROM stdin;
1	/usr/src/app/upload/a.jpg	u1
2	/usr/src/app/upload/tab\there.jpg	u1
\.
COPY "public"."asset" ("id", "originalPath", "ownerId") FROM stdin;
3	/data/ü/ß.heic	\N
4	back\\slash\nnewline	u2
\.
COPY "public"."asset" ("id", "originalPath", "ownerId") FROM stdin;
5	x	u2
\.
COPY "public"."tag" ("id", "value") FROM stdin;
10	holiday
11	family
\.
COPY "We""ird"."Tab le" ("c""1") FROM stdin;
only one
\.
CREATE INDEX asset_path_idx ON "public"."asset" USING btree (id);
ALTER TABLE ONLY "public"."tag" ADD CONSTRAINT tag_fk FOREIGN KEY (id) REFERENCES "public"."asset"(id);
SELECT pg_catalog.setval('public.seq', 5, true);
ALTER TABLE "public"."asset" OWNER TO "immich";
GRANT SELECT ON TABLE "public"."asset" TO "reader";
-- immichbak-manifest {"compression":"none","compression_level":0,"created_at":"2025-01-31T02:00:00Z","database":"immich","database_settings":[{"name":"search_path","role":"","value":"\"$user\", public, vectors"}],"encoding":"UTF8","exclusion_presets":[],"extensions":[{"name":"cube","needs_preload":false,"schema":"public","version":"1.5"},{"name":"earthdistance","needs_preload":false,"schema":"public","version":"1.1"}],"format_major":1,"format_minor":0,"frames":[{"kind":"header","offset":0,"plain_size":664,"sha256":"5c0ae14ce11da733b1ae12ba944167972a6da270e338c3584d0cdc0f7260c419","stored_size":664},{"kind":"pre_data","label":"TABLE public.asset","offset":664,"plain_size":44,"schema":"public","sha256":"67d9623607cfc04390e295046b631e85492e9f78bd2092e62b251607d506fe66","stored_size":44,"table":"asset"},{"kind":"pre_data","label":"TABLE public.tag","offset":708,"plain_size":42,"schema":"public","sha256":"fa0cccada7019a24fe490782adfa20aec74780caf62c544eccfd67496b70e4cb","stored_size":42,"table":"tag"},{"kind":"pre_data","label":"TABLE public.empty_table","offset":750,"plain_size":50,"schema":"public","sha256":"e4434751e9c3b5311c2c9d01308debb3d64feecc2dbc32ddf997e59f1a9c9c76","stored_size":50,"table":"empty_table"},{"kind":"pre_data","label":"TABLE public.smart_search","offset":800,"plain_size":51,"schema":"public","sha256":"40baff27e0a444f08632e03558dcd0e0f1d251c8f4ad118901f13167f6dc6fe7","stored_size":51,"table":"smart_search"},{"kind":"pre_data","label":"TABLE We\"ird.Tab le","offset":851,"plain_size":46,"schema":"We\"ird","sha256":"55a37e0e45a81d4f52bedd1b41922ed7fd0cf0c6cd0ab627a559c1ee5b26cddc","stored_size":46,"table":"Tab le"},{"kind":"pre_data","label":"SEARCH_PATH","offset":897,"plain_size":71,"sha256":"310fa4421021cf5fa5b352c897258c2ae68f12e13ff3f88e89256e2d6dea242b","stored_size":71},{"kind":"data","offset":968,"plain_size":141,"rows":2,"schema":"public","sha256":"76ca1be348eb083debb0729deda912651273e62e395b9614dba5ead7f55fd48a","stored_size":141,"table":"asset"},{"kind":"data","offset":1109,"plain_size":119,"rows":2,"schema":"public","sha256":"c487963745dde04e973ed1e945973ec8202528f5456cdff3f720a361a9038e19","stored_size":119,"table":"asset"},{"kind":"data","offset":1228,"plain_size":78,"rows":1,"schema":"public","sha256":"da568e06ad1fb746fa0740322da98ebdb22f7423590653f88c3747e73f53f6ad","stored_size":78,"table":"asset"},{"kind":"data","offset":1306,"plain_size":72,"rows":2,"schema":"public","sha256":"d4133335646fb7502e35a08132e926e733cbe31eb7bcf6cbbdff8a9bf5f4a8fc","stored_size":72,"table":"tag"},{"kind":"data","offset":1378,"plain_size":57,"rows":1,"schema":"We\"ird","sha256":"1c05e00113e6cc964bfbdd9a47dced8e78d71f4ff55733fe21153f148bf9dc21","stored_size":57,"table":"Tab le"},{"kind":"post_data","label":"INDEX public.asset_path_idx","offset":1435,"phase":"indexes","plain_size":66,"schema":"public","sha256":"28506706c980515a812ee8aa0c93a743514c1e28e5d4d195c690bed29272c3df","stored_size":66,"table":"asset"},{"kind":"post_data","label":"FK public.tag_fk","offset":1501,"phase":"foreign_keys","plain_size":104,"schema":"public","sha256":"1df099ac208e125075c365ddaa8ca0e579847070987e2b36f5c1d3c8ae8a8ace","stored_size":104,"table":"tag"},{"kind":"post_data","label":"SEQUENCE SET public.seq","offset":1605,"phase":"final","plain_size":49,"sha256":"77c3d72c424b9026bcf56b8b87502a6a6d561fc3e8bce8e354c1acc7072b6740","stored_size":49},{"kind":"owners","label":"OWNER TABLE public.asset","offset":1654,"plain_size":48,"schema":"public","sha256":"01b4e2e0d509d8e0a09cd6c30e01b2efd438a404c96310ae6537f6490f02b4c8","stored_size":48,"table":"asset"},{"kind":"privileges","label":"ACL TABLE public.asset","offset":1702,"plain_size":52,"schema":"public","sha256":"0875cb7cb92fc4956a1bbdc9b3ee7d35c5977f4dceeb6cf4369a896f7b62258c","stored_size":52,"table":"asset"}],"immich_migration":"1740000000000-AddOcr","immich_version":"v1.130.0","restore_search_path":"\"$user\", public","roles":["immich","reader"],"server_version":"15.18","server_version_num":150018,"session_settings":{"DateStyle":"ISO","IntervalStyle":"postgres","TimeZone":"UTC","check_function_bodies":"false","client_encoding":"UTF8","client_min_messages":"warning","extra_float_digits":"3","idle_in_transaction_session_timeout":"0","lock_timeout":"0","row_security":"off","search_path":"","standard_conforming_strings":"on","statement_timeout":"0","xmloption":"content"},"tables":[{"content_hash":"4761f883dec337fc475fb2468af8c759803a8dc3143396db067234450aef5fdf","data_excluded":false,"name":"asset","plain_bytes":338,"rows":5,"schema":"public","stored_bytes":338},{"content_hash":"a6e5c4562a238647b793afa5659dc46ea667ba2e6c4c47eb1848245b0ff93718","data_excluded":false,"name":"tag","plain_bytes":72,"rows":2,"schema":"public","stored_bytes":72},{"content_hash":"0000000000000000000000000000000000000000000000000000000000000000","data_excluded":false,"name":"empty_table","plain_bytes":0,"rows":0,"schema":"public","stored_bytes":0},{"content_hash":"","data_excluded":true,"exclusion_reason":"--exclude-regenerable","name":"smart_search","plain_bytes":0,"rows":0,"schema":"public","stored_bytes":0},{"content_hash":"67f1fdcd2cdd1f5dbf7f7657b26be84f54951fd3c77f121d4c0d5a5628eed3c6","data_excluded":false,"name":"Tab le","plain_bytes":57,"rows":1,"schema":"We\"ird","stored_bytes":57}],"tool_version":"0.1.0-test"}
-- immichbak-footer major=00001 minor=00000 flags=00000000 manifest_offset=00000000000000001776 manifest_length=00000000000000005305 manifest_sha256=d81f7da8c51ffc0ab7a5715a3b6f72618167a500970fc75adb2839c93b1ce9ad check=00d6cc5fafbc7a26
