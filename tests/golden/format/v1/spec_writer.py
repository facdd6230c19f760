# An independent implementation of docs/format.md (1.0), written from the spec alone: it
# writes a minimal backup, which the C++ reader and verify must accept (test_format_golden).
# Frames are compressed with the zstd CLI. Regenerate (rarely, deliberately) with:
#   python3 spec_writer.py zst spec-minimal.sql.zst header.sql   (and: sql spec-minimal.sql)
# where header.sql is the header frame text of docs/format.md section 3.2.
import hashlib, json, struct, subprocess, sys

def sha(b): return hashlib.sha256(b).digest()

def content_hash(rows):
    lanes = [0]*4
    for r in rows:
        d = sha(r)
        for i in range(4): lanes[i] = (lanes[i] + struct.unpack('<Q', d[8*i:8*i+8])[0]) % 2**64
    return b''.join(struct.pack('<Q', l) for l in lanes).hex()

header = open(sys.argv[3], 'rb').read()  # header frame text (docs/format.md 3.2)
rows = [b'1\thello', b'2\tw\\tor\\\\ld']
frames = [
  ('header', header, {}),
  ('pre_data', b'CREATE TABLE "public"."t" ("id" integer, "v" text);\n', {'schema':'public','table':'t','label':'TABLE public.t'}),
  ('pre_data', b"SELECT pg_catalog.set_config('search_path', 'public', false);\n", {}),
  ('data', b'COPY "public"."t" ("id", "v") FROM stdin;\n' + b''.join(r+b'\n' for r in rows) + b'\\.\n', {'schema':'public','table':'t','rows':2}),
  ('post_data', b'CREATE INDEX t_idx ON "public"."t" USING btree ("id");\n', {'schema':'public','table':'t','phase':'indexes'}),
]
compressed = sys.argv[1] == 'zst'
out = b''
mf = []
for kind, plain, extra in frames:
    stored = subprocess.run(['zstd', '-q', '-c', '-3', '--check', '--stream-size=%d' % len(plain)], input=plain, capture_output=True, check=True).stdout if compressed else plain
    e = {'kind': kind, 'offset': len(out), 'stored_size': len(stored), 'plain_size': len(plain), 'sha256': sha(plain).hex()}
    e.update(extra)
    mf.append(e)
    out += stored
m = {'format_major': 1, 'format_minor': 0, 'compression': 'zstd' if compressed else 'none', 'database': 'spec',
     'restore_search_path': 'public',
     'tables': [{'schema':'public','name':'t','rows':2,'content_hash':content_hash(rows),
                 'plain_bytes': mf[3]['plain_size'], 'stored_bytes': mf[3]['stored_size']}],
     'frames': mf}
j = json.dumps(m, separators=(',', ':')).encode()
if compressed:
    moff = len(out) + 8
    out += struct.pack('<II', 0x184D2A5B, len(j)) + j
    payload = b'IMBKFTR\0' + struct.pack('<HHIQQ', 1, 0, 0, moff, len(j)) + sha(j)
    payload += sha(payload)[:8]
    out += struct.pack('<II', 0x184D2A5C, len(payload)) + payload
else:
    moff = len(out) + len(b'-- immichbak-manifest ')
    out += b'-- immichbak-manifest ' + j + b'\n'
    line = b'-- immichbak-footer major=%05d minor=%05d flags=%08x manifest_offset=%020d manifest_length=%020d manifest_sha256=%s' % (1, 0, 0, moff, len(j), sha(j).hex().encode())
    line += b' check=' + sha(line)[:8].hex().encode() + b'\n'
    assert len(line) == 237, len(line)
    out += line
open(sys.argv[2], 'wb').write(out)
