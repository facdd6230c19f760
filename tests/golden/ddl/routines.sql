CREATE OR REPLACE FUNCTION app."Fn"(a integer, VARIADIC rest integer[])
 RETURNS integer
 LANGUAGE sql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$ SELECT a $function$;
COMMENT ON FUNCTION "app"."Fn"(a integer, VARIADIC rest integer[]) IS 'function';
CREATE OR REPLACE PROCEDURE app.proc(INOUT x integer)
 LANGUAGE plpgsql
AS $procedure$ BEGIN END $procedure$;
COMMENT ON PROCEDURE "app"."proc"(INOUT x integer) IS 'function';
CREATE AGGREGATE "Mixed Case"."Sum It"(integer) (
    SFUNC = app.sfunc,
    STYPE = bigint,
    FINALFUNC = app.final,
    FINALFUNC_MODIFY = READ_ONLY,
    INITCOND = '0',
    SORTOP = OPERATOR("pg_catalog".>),
    PARALLEL = safe
);
COMMENT ON AGGREGATE "Mixed Case"."Sum It"(integer) IS 'aggregate';
CREATE AGGREGATE "app"."count_all"(*) (
    SFUNC = int8inc,
    STYPE = bigint,
    INITCOND = '0'
);
COMMENT ON AGGREGATE "app"."count_all"(*) IS 'count(*)-style';
