# An independent implementation of docs/format.md (1.1), written from the spec alone: it
# writes a minimal backup, which the C++ reader and verify must accept (test_format_golden).
# Frames are compressed with the zstd CLI, or (gz, format 1.1) with Python's zlib.
# Regenerate (rarely, deliberately) with:
#   python3 spec_writer.py zst spec-minimal.sql.zst header.sql   (and: sql spec-minimal.sql,
#   gz spec-minimal.sql.gz)
# where header.sql is the header frame text of docs/format.md section 3.2.
import hashlib, json, struct, subprocess, sys, zlib

def sha(b): return hashlib.sha256(b).digest()

def content_hash(rows):
    lanes = [0]*4
    for r in rows:
        d = sha(r)
        for i in range(4): lanes[i] = (lanes[i] + struct.unpack('<Q', d[8*i:8*i+8])[0]) % 2**64
    return b''.join(struct.pack('<Q', l) for l in lanes).hex()

variant = sys.argv[1]
header = open(sys.argv[3], 'rb').read()  # header frame text (docs/format.md 3.2)
if variant == 'gz':  # the gzip variant's comment lines, the same statements (3.2)
    header = (b'-- immichbak backup, format 1.1 (gzip)\n'
              b'-- Restore with `immichbak restore FILE`, from Immich\'s own Backups page, or with stock tools into an\n'
              b'-- empty database: gunzip -c FILE | psql -X -d DBNAME\n' + header[header.index(b'\\set ON_ERROR_STOP'):])
rows = [b'1\thello', b'2\tw\\tor\\\\ld']
frames = [
  ('header', header, {}),
  ('pre_data', b'CREATE TABLE "public"."t" ("id" integer, "v" text);\n', {'schema':'public','table':'t','label':'TABLE public.t'}),
  ('pre_data', b"SELECT pg_catalog.set_config('search_path', 'public', false);\n", {}),
  ('data', b'COPY "public"."t" ("id", "v") FROM stdin;\n' + b''.join(r+b'\n' for r in rows) + b'\\.\n', {'schema':'public','table':'t','rows':2}),
  ('post_data', b'CREATE INDEX t_idx ON "public"."t" USING btree ("id");\n', {'schema':'public','table':'t','phase':'indexes'}),
]
if variant == 'gz':
    frames.insert(1, ('clean', b'DROP SCHEMA IF EXISTS "spec_extra" CASCADE;\n', {}))

def gzip_member(plain):  # RFC 1952, no optional fields (7a)
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    return c.compress(plain) + c.flush()

compressed = variant == 'zst'
out = b''
mf = []
for kind, plain, extra in frames:
    if compressed:
        stored = subprocess.run(['zstd', '-q', '-c', '-3', '--check', '--stream-size=%d' % len(plain)], input=plain, capture_output=True, check=True).stdout
    elif variant == 'gz':
        stored = gzip_member(plain)
    else:
        stored = plain
    e = {'kind': kind, 'offset': len(out), 'stored_size': len(stored), 'plain_size': len(plain), 'sha256': sha(plain).hex()}
    e.update(extra)
    mf.append(e)
    out += stored
data = [e for e in mf if e['kind'] == 'data'][0]
m = {'format_major': 1, 'format_minor': 1 if variant == 'gz' else 0,
     'compression': {'zst': 'zstd', 'gz': 'gzip'}.get(variant, 'none'), 'database': 'spec',
     'restore_search_path': 'public',
     'tables': [{'schema':'public','name':'t','rows':2,'content_hash':content_hash(rows),
                 'plain_bytes': data['plain_size'], 'stored_bytes': data['stored_size']}],
     'frames': mf}
j = json.dumps(m, separators=(',', ':')).encode()
if compressed:
    moff = len(out) + 8
    out += struct.pack('<II', 0x184D2A5B, len(j)) + j
    payload = b'IMBKFTR\0' + struct.pack('<HHIQQ', 1, 0, 0, moff, len(j)) + sha(j)
    payload += sha(payload)[:8]
    out += struct.pack('<II', 0x184D2A5C, len(payload)) + payload
else:
    def footer_line(minor, moff, mlen):
        line = b'-- immichbak-footer major=%05d minor=%05d flags=%08x manifest_offset=%020d manifest_length=%020d manifest_sha256=%s' % (1, minor, 0, moff, mlen, sha(j).hex().encode())
        line += b' check=' + sha(line)[:8].hex().encode() + b'\n'
        assert len(line) == 237, len(line)
        return line
    if variant == 'gz':
        member = gzip_member(b'-- immichbak-manifest ' + j + b'\n')
        moff = len(out)
        out += member
        line = footer_line(1, moff, len(member))
        out += (b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff' + b'\x01' + struct.pack('<HH', 237, 0xffff ^ 237) + line
                + struct.pack('<II', zlib.crc32(line), 237))
    else:
        moff = len(out) + len(b'-- immichbak-manifest ')
        out += b'-- immichbak-manifest ' + j + b'\n'
        out += footer_line(0, moff, len(j))
open(sys.argv[2], 'wb').write(out)
