DO $do$ BEGIN EXECUTE 'ALTER DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' SET "search_path" TO ''$user'', ''public'', ''My Schema'', ''vectors'''; END $do$;
DO $do$ BEGIN EXECUTE 'ALTER DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' SET "work_mem" TO ''64MB'''; END $do$;
DO $do1$ BEGIN EXECUTE 'ALTER DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' SET "app.note" TO ''it''''s $do$ tricky'''; END $do1$;
DO $do$ BEGIN EXECUTE 'ALTER ROLE ' || '"Some ""Role"""' || ' IN DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' SET "statement_timeout" TO ''5s'''; END $do$;
DO $do$ BEGIN EXECUTE 'COMMENT ON DATABASE ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' IS ' || '''the ''''photos'''' db'''; END $do$;
