"""
An implementation of Flyway's SQL migration checksum that shares no code with
dev-bootstrap, for tests to compare against. It follows flyway-core's
ChecksumCalculator step by step:

    reader = BufferedReader(resource.read())     # the file decoded as UTF-8
    line = reader.readLine()                     # a line without its \n, \r\n or \r
    line = BomFilter.FilterBomFromString(line)   # first line only: one U+FEFF dropped
    crc32.update(line.getBytes(UTF_8))           # for every line, one running CRC-32
    return (int) crc32.getValue()                # stored as a signed 32-bit int

Reads a JSON list of base64-encoded file contents on stdin; prints a JSON list
of checksums.
"""
import base64
import io
import json
import sys
import zlib


def read_lines(text):
    """Java's BufferedReader.readLine(): only \\n, \\r\\n and \\r end a line (not
    U+2028, form feed or the other breaks str.splitlines() knows)."""
    reader = io.StringIO(text, newline="")  # splits at \n, \r\n and \r, keeps them
    for line in reader:
        if line.endswith("\r\n"):
            yield line[:-2]
        elif line.endswith("\r") or line.endswith("\n"):
            yield line[:-1]
        else:
            yield line


def flyway_checksum(raw):
    text = raw.decode("utf-8")  # Java's UTF-8 decoder keeps a BOM as U+FEFF
    crc = 0
    for number, line in enumerate(read_lines(text)):
        if number == 0 and line.startswith("\ufeff"):
            line = line[1:]
        crc = zlib.crc32(line.encode("utf-8"), crc)
    return crc - (1 << 32) if crc >= (1 << 31) else crc


inputs = [base64.b64decode(item) for item in json.load(sys.stdin)]
json.dump([flyway_checksum(raw) for raw in inputs], sys.stdout)
