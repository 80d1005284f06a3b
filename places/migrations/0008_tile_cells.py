"""The cluster grids of the vector tile layers (places.tiles) and their versions.

``places_tile_cell`` holds, per layer and zoom (0 to 11), each occupied cell
of a 64 × 64 grid per tile: how many rows lie in it and the sums of their
Web Mercator x, y and ids. Functions here do the grid arithmetic once for
everyone; the apps' migrations add the triggers that call them on their own
tables, so a write and its cells commit together.
"""

from django.db import migrations, models

# Keep in step with places.tiles.GRID_BITS and places.tiles.CELLS_MAX_ZOOM.
GRID_BITS = 6
CELLS_MAX_ZOOM = 11

FUNCTIONS = f"""
-- A tile reads its cells by index only (the sums ride in the key's index, so
-- the heap is not visited row by row); room on each page keeps updates HOT.
ALTER TABLE places_tile_cell SET (fillfactor = 80),
    DROP CONSTRAINT places_tile_cell_pkey,
    ADD CONSTRAINT places_tile_cell_pkey PRIMARY KEY (layer, z, tx, ty, cx, cy)
        INCLUDE (n, sum_x, sum_y, sum_id);

CREATE SEQUENCE places_tile_version;

-- Where a lon/lat falls on the Web Mercator square, as fractions from the west
-- and from the north edge (mercantile's formulas); NULL beyond its latitudes.
CREATE FUNCTION cerca_tile_fx(lon float8) RETURNS float8
    IMMUTABLE PARALLEL SAFE LANGUAGE sql
    RETURN lon / 360.0 + 0.5;

CREATE FUNCTION cerca_tile_fy(lat float8) RETURNS float8
    IMMUTABLE PARALLEL SAFE LANGUAGE sql
    RETURN CASE WHEN abs(lat) < 85.0511287798066 THEN
        0.5 - 0.25 * ln((1 + sin(radians(lat))) / (1 - sin(radians(lat)))) / pi()
    END;

-- The column (or row) of a fraction among 2^bits, clamped to the square.
CREATE FUNCTION cerca_tile_index(f float8, bits int) RETURNS bigint
    IMMUTABLE PARALLEL SAFE LANGUAGE sql
    RETURN least(greatest(floor(f * (2::float8 ^ bits)), 0), (1::bigint << bits) - 1);

-- Count one row (sign 1) in, or out (sign -1) of, its cell at every zoom of the grid.
CREATE FUNCTION cerca_tile_add(p_layer text, p_id bigint, lon float8, lat float8, p_sign int)
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    fx float8 := cerca_tile_fx(lon);
    fy float8 := cerca_tile_fy(lat);
    mx float8;
    my float8;
    gx bigint;
    gy bigint;
    left_n int;
BEGIN
    IF fx IS NULL OR fy IS NULL THEN
        RETURN;
    END IF;
    mx := (fx - 0.5) * 40075016.68557849;
    my := (0.5 - fy) * 40075016.68557849;
    -- Zoom 0 first: every writer of a layer takes its cells in the same order.
    FOR zoom IN 0..{CELLS_MAX_ZOOM} LOOP
        gx := cerca_tile_index(fx, zoom + {GRID_BITS});
        gy := cerca_tile_index(fy, zoom + {GRID_BITS});
        INSERT INTO places_tile_cell AS c (layer, z, tx, ty, cx, cy, n, sum_x, sum_y, sum_id)
        VALUES (p_layer, zoom, gx >> {GRID_BITS}, gy >> {GRID_BITS},
                gx & {2 ** GRID_BITS - 1}, gy & {2 ** GRID_BITS - 1},
                p_sign, p_sign * mx, p_sign * my, p_sign * p_id)
        ON CONFLICT (layer, z, tx, ty, cx, cy) DO UPDATE SET
            n = c.n + excluded.n, sum_x = c.sum_x + excluded.sum_x,
            sum_y = c.sum_y + excluded.sum_y, sum_id = c.sum_id + excluded.sum_id
        RETURNING n INTO left_n;
        IF left_n <= 0 THEN
            DELETE FROM places_tile_cell
            WHERE layer = p_layer AND z = zoom AND tx = gx >> {GRID_BITS}
              AND ty = gy >> {GRID_BITS} AND cx = gx & {2 ** GRID_BITS - 1}
              AND cy = gy & {2 ** GRID_BITS - 1};
        END IF;
    END LOOP;
END $$;

-- Count many rows in (sign 1) or out (sign -1) at once: one upsert per
-- occupied cell and zoom, not one per row and zoom, so a bulk insert or delete
-- (an import, a test's 100,000 rows) costs what its cells cost. Zoom 0 first
-- and each zoom's cells in key order: writers take cells in the same order.
CREATE FUNCTION cerca_tile_add_rows(p_layer text, p_sign int, ids bigint[], lons float8[],
                                    lats float8[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    gone_tx int[];
    gone_ty int[];
    gone_cx smallint[];
    gone_cy smallint[];
BEGIN
    FOR zoom IN 0..{CELLS_MAX_ZOOM} LOOP
        WITH cells AS (
            INSERT INTO places_tile_cell AS c (layer, z, tx, ty, cx, cy, n, sum_x, sum_y, sum_id)
            SELECT p_layer, zoom, gx >> {GRID_BITS}, gy >> {GRID_BITS},
                   gx & {2 ** GRID_BITS - 1}, gy & {2 ** GRID_BITS - 1},
                   p_sign * count(*), p_sign * sum((fx - 0.5) * 40075016.68557849),
                   p_sign * sum((0.5 - fy) * 40075016.68557849), p_sign * sum(id)
            FROM (
                SELECT id, fx, fy, cerca_tile_index(fx, zoom + {GRID_BITS}) AS gx,
                       cerca_tile_index(fy, zoom + {GRID_BITS}) AS gy
                FROM (
                    SELECT r.id, cerca_tile_fx(r.lon) AS fx, cerca_tile_fy(r.lat) AS fy
                    FROM unnest(ids, lons, lats) AS r (id, lon, lat)
                ) AS p
                WHERE fx IS NOT NULL AND fy IS NOT NULL
            ) AS g
            GROUP BY gx, gy
            ORDER BY gx >> {GRID_BITS}, gy >> {GRID_BITS}, gx, gy
            ON CONFLICT (layer, z, tx, ty, cx, cy) DO UPDATE SET
                n = c.n + excluded.n, sum_x = c.sum_x + excluded.sum_x,
                sum_y = c.sum_y + excluded.sum_y, sum_id = c.sum_id + excluded.sum_id
            RETURNING c.tx, c.ty, c.cx, c.cy, c.n
        )
        SELECT array_agg(tx), array_agg(ty), array_agg(cx), array_agg(cy)
        INTO gone_tx, gone_ty, gone_cx, gone_cy
        FROM cells WHERE n <= 0;
        -- Emptied cells go in a statement of their own: one statement cannot
        -- delete the rows its own upsert just changed.
        IF gone_tx IS NOT NULL THEN
            DELETE FROM places_tile_cell AS d
            USING unnest(gone_tx, gone_ty, gone_cx, gone_cy) AS g (tx, ty, cx, cy)
            WHERE d.layer = p_layer AND d.z = zoom AND d.tx = g.tx AND d.ty = g.ty
              AND d.cx = g.cx AND d.cy = g.cy;
        END IF;
    END LOOP;
END $$;

-- Statement triggers for tables whose rows with a location are all counted,
-- in the layer named as their argument: the rows a statement inserted
-- (transition table new_rows) or deleted (old_rows) are counted in or out
-- together. Moves are row triggers on cerca_tile_cells (an UPDATE OF column
-- list cannot have transition tables, and moves come one at a time).
CREATE FUNCTION cerca_tile_cells_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cerca_tile_add_rows(TG_ARGV[0], 1, array_agg(r.id),
                                array_agg(ST_X(r.location::geometry)),
                                array_agg(ST_Y(r.location::geometry)))
    FROM new_rows AS r WHERE r.location IS NOT NULL HAVING count(*) > 0;
    RETURN NULL;
END $$;

CREATE FUNCTION cerca_tile_cells_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cerca_tile_add_rows(TG_ARGV[0], -1, array_agg(r.id),
                                array_agg(ST_X(r.location::geometry)),
                                array_agg(ST_Y(r.location::geometry)))
    FROM old_rows AS r WHERE r.location IS NOT NULL HAVING count(*) > 0;
    RETURN NULL;
END $$;

-- Count a layer's rows again from scratch; ``members`` is a query of (id, lon, lat).
CREATE FUNCTION cerca_tile_rebuild(p_layer text, members text) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM places_tile_cell WHERE layer = p_layer;
    FOR zoom IN 0..{CELLS_MAX_ZOOM} LOOP
        EXECUTE format($q$
            INSERT INTO places_tile_cell (layer, z, tx, ty, cx, cy, n, sum_x, sum_y, sum_id)
            SELECT %L, %s, gx >> {GRID_BITS}, gy >> {GRID_BITS},
                   gx & {2 ** GRID_BITS - 1}, gy & {2 ** GRID_BITS - 1},
                   count(*), sum((fx - 0.5) * 40075016.68557849),
                   sum((0.5 - fy) * 40075016.68557849), sum(id)
            FROM (
                SELECT id, fx, fy, cerca_tile_index(fx, %s) AS gx, cerca_tile_index(fy, %s) AS gy
                FROM (
                    SELECT m.id, cerca_tile_fx(m.lon) AS fx, cerca_tile_fy(m.lat) AS fy
                    FROM (%s) AS m (id, lon, lat)
                ) AS p
                WHERE fx IS NOT NULL AND fy IS NOT NULL
            ) AS g
            GROUP BY gx, gy
        $q$, p_layer, zoom, zoom + {GRID_BITS}, zoom + {GRID_BITS}, members);
    END LOOP;
END $$;

-- A row trigger for a table whose rows with a location are all counted, in the
-- layer named as its argument: a row's cells follow it in, out and around.
CREATE FUNCTION cerca_tile_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.location IS NOT NULL THEN
        PERFORM cerca_tile_add(TG_ARGV[0], OLD.id, ST_X(OLD.location::geometry),
                               ST_Y(OLD.location::geometry), -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.location IS NOT NULL THEN
        PERFORM cerca_tile_add(TG_ARGV[0], NEW.id, ST_X(NEW.location::geometry),
                               ST_Y(NEW.location::geometry), 1);
    END IF;
    RETURN NULL;
END $$;

-- New versions for the layers named (each a fresh number of one sequence, so a
-- version is never seen twice, even after a table is emptied).
CREATE FUNCTION cerca_tile_bump_layers(layers text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO places_tile_layer AS l (layer, version)
    SELECT name, nextval('places_tile_version') FROM unnest(layers) AS name ORDER BY name
    ON CONFLICT (layer) DO UPDATE SET version = excluded.version;
$$;

-- A statement trigger: the layers named as its arguments get a new version.
-- Before the statement, so a writer takes its layers' rows before any cell.
CREATE FUNCTION cerca_tile_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cerca_tile_bump_layers(TG_ARGV);
    RETURN NULL;
END $$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION cerca_tile_bump();
DROP FUNCTION cerca_tile_cells();
DROP FUNCTION cerca_tile_cells_deleted();
DROP FUNCTION cerca_tile_cells_inserted();
DROP FUNCTION cerca_tile_add_rows(text, int, bigint[], float8[], float8[]);
DROP FUNCTION cerca_tile_bump_layers(text[]);
DROP FUNCTION cerca_tile_rebuild(text, text);
DROP FUNCTION cerca_tile_add(text, bigint, float8, float8, int);
DROP FUNCTION cerca_tile_index(float8, int);
DROP FUNCTION cerca_tile_fy(float8);
DROP FUNCTION cerca_tile_fx(float8);
DROP SEQUENCE places_tile_version;
ALTER TABLE places_tile_cell RESET (fillfactor),
    DROP CONSTRAINT places_tile_cell_pkey,
    ADD CONSTRAINT places_tile_cell_pkey PRIMARY KEY (layer, z, tx, ty, cx, cy);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0007_basemap_land_countries_cities"),
    ]

    operations = [
        migrations.CreateModel(
            name="TileCell",
            fields=[
                ("pk", models.CompositePrimaryKey(
                    "layer", "z", "tx", "ty", "cx", "cy", blank=True, editable=False,
                    primary_key=True, serialize=False)),
                ("layer", models.CharField(max_length=40)),
                ("z", models.SmallIntegerField()),
                ("tx", models.IntegerField()),
                ("ty", models.IntegerField()),
                ("cx", models.SmallIntegerField()),
                ("cy", models.SmallIntegerField()),
                ("n", models.IntegerField()),
                ("sum_x", models.FloatField()),
                ("sum_y", models.FloatField()),
                ("sum_id", models.BigIntegerField()),
            ],
            options={"db_table": "places_tile_cell"},
        ),
        migrations.CreateModel(
            name="TileLayer",
            fields=[
                ("layer", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField()),
                ("as_of", models.DateTimeField(null=True)),
            ],
            options={"db_table": "places_tile_layer"},
        ),
        migrations.RunSQL([FUNCTIONS], [DROP_FUNCTIONS]),
    ]
