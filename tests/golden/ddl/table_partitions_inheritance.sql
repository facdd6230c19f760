CREATE TABLE "app"."events" (
    "id" bigint NOT NULL,
    "happened" date NOT NULL,
    CONSTRAINT "events_check" CHECK ((id > 0))
)
PARTITION BY RANGE (happened);
CREATE TABLE "app"."events_2024" (
    "id" bigint NOT NULL,
    "happened" date NOT NULL,
    CONSTRAINT "events_check" CHECK ((id > 0))
);
ALTER TABLE ONLY "app"."events" ATTACH PARTITION "app"."events_2024" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE UNLOGGED TABLE "app"."child" (
    "own" integer
)
INHERITS ("app"."parent", "other"."Parent 2");
ALTER TABLE ONLY "app"."child" ALTER COLUMN "inherited" SET NOT NULL;
ALTER TABLE ONLY "app"."child" ALTER COLUMN "inherited" SET DEFAULT 'child'::text;
ALTER TABLE ONLY "app"."child" ALTER COLUMN "nodefault" DROP DEFAULT;
