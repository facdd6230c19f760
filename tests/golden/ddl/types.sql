CREATE TYPE "select"."Mood ""x""" AS ENUM (
    'sad',
    'it''s',
    '"quoted"',
    'ünïcödé'
);
COMMENT ON TYPE "select"."Mood ""x""" IS 'enum';
CREATE DOMAIN "app"."positive int" AS integer DEFAULT 1 NOT NULL
    CONSTRAINT "positive" CHECK ((VALUE > 0));
COMMENT ON CONSTRAINT "positive" ON DOMAIN "app"."positive int" IS 'domain constraint';
CREATE TYPE "app"."point3" AS (
    "x" double precision,
    "Z label" text COLLATE pg_catalog."C"
);
COMMENT ON COLUMN "app"."point3"."x" IS 'attr comment';
CREATE TYPE "app"."floatrange" AS RANGE (
    subtype = double precision,
    multirange_type_name = "app"."floatmultirange",
    subtype_diff = "pg_catalog"."float8mi"
);
