"""A reader of OTLP/HTTP protobuf bodies for the e2e tracing test's stand-in collector, written
from opentelemetry-proto's field numbers without generated code: an ExportTraceServiceRequest
becomes the dict its OTLP JSON encoding parses to (ids as lowercase hex, 64-bit integers and
timestamps as decimal strings, enums as numbers), so that one collector reads either protocol
the same way. Anything malformed raises ValueError.
  decode_export(content_type, body) -> dict
"""
import json
import struct


def _varint(data, i):
    value, shift = 0, 0
    while True:
        if i >= len(data):
            raise ValueError("protobuf: truncated varint")
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7
        if shift >= 70:
            raise ValueError("protobuf: varint longer than 10 bytes")


def fields(data):
    """Yields (field number, wire type, value) of one message: ints for varints and fixed
    fields, bytes for length-delimited ones."""
    i = 0
    while i < len(data):
        tag, i = _varint(data, i)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 1 or wire == 5:
            size = 8 if wire == 1 else 4
            if i + size > len(data):
                raise ValueError("protobuf: truncated fixed field")
            value = int.from_bytes(data[i:i + size], "little")
            i += size
        elif wire == 2:
            size, i = _varint(data, i)
            if i + size > len(data):
                raise ValueError("protobuf: truncated length-delimited field")
            value = bytes(data[i:i + size])
            i += size
        else:
            raise ValueError(f"protobuf: wire type {wire} of field {field}")
        yield field, wire, value


def _expect(ok, what):
    if not ok:
        raise ValueError("protobuf: " + what)


def _key_value(data):
    kv = {}
    for field, wire, value in fields(data):
        if field == 1 and wire == 2:
            kv["key"] = value.decode("utf-8")
        elif field == 2 and wire == 2:
            any_value = {}
            for f, w, v in fields(value):
                if f == 1 and w == 2:
                    any_value["stringValue"] = v.decode("utf-8")  # strict: the sender sends valid UTF-8
                elif f == 2 and w == 0:
                    any_value["boolValue"] = bool(v)
                elif f == 3 and w == 0:
                    any_value["intValue"] = str(v - (1 << 64) if v >= 1 << 63 else v)
                elif f == 4 and w == 1:
                    any_value["doubleValue"] = struct.unpack("<d", v.to_bytes(8, "little"))[0]
                else:
                    _expect(False, f"AnyValue field {f}")
            kv["value"] = any_value
        else:
            _expect(False, f"KeyValue field {field}")
    return kv


def _span(data):
    span = {"attributes": [], "status": {}}
    for field, wire, value in fields(data):
        if field == 1 and wire == 2:
            _expect(len(value) == 16, "trace_id of 16 bytes")
            span["traceId"] = value.hex()
        elif field == 2 and wire == 2:
            _expect(len(value) == 8, "span_id of 8 bytes")
            span["spanId"] = value.hex()
        elif field == 4 and wire == 2:
            span["parentSpanId"] = value.hex()
        elif field == 5 and wire == 2:
            span["name"] = value.decode("utf-8")
        elif field == 6 and wire == 0:
            span["kind"] = value
        elif field == 7 and wire == 1:
            span["startTimeUnixNano"] = str(value)
        elif field == 8 and wire == 1:
            span["endTimeUnixNano"] = str(value)
        elif field == 9 and wire == 2:
            span["attributes"].append(_key_value(value))
        elif field == 13 and wire == 2:
            link = {}
            for f, w, v in fields(value):
                _expect(f in (1, 2) and w == 2, f"Link field {f}")
                link["traceId" if f == 1 else "spanId"] = v.hex()
            span.setdefault("links", []).append(link)
        elif field == 15 and wire == 2:
            for f, w, v in fields(value):
                if f == 2 and w == 2:
                    span["status"]["message"] = v.decode("utf-8")
                elif f == 3 and w == 0:
                    span["status"]["code"] = v
                else:
                    _expect(False, f"Status field {f}")
        elif field == 16 and wire == 5:
            span["flags"] = value
        else:
            _expect(False, f"Span field {field}")
    return span


def decode_request(data):
    """An ExportTraceServiceRequest as its OTLP JSON document."""
    doc = {"resourceSpans": []}
    for field, wire, value in fields(data):
        _expect(field == 1 and wire == 2, "ExportTraceServiceRequest.resource_spans")
        rs = {"scopeSpans": []}
        for f, w, v in fields(value):
            _expect(f in (1, 2) and w == 2, f"ResourceSpans field {f}")
            if f == 1:
                attrs = []
                for rf, rw, rv in fields(v):
                    _expect(rf == 1 and rw == 2, "Resource.attributes")
                    attrs.append(_key_value(rv))
                rs["resource"] = {"attributes": attrs}
                continue
            ss = {"spans": []}
            for sf, sw, sv in fields(v):
                _expect(sf in (1, 2) and sw == 2, f"ScopeSpans field {sf}")
                if sf == 2:
                    ss["spans"].append(_span(sv))
                    continue
                scope = {}
                for cf, cw, cv in fields(sv):
                    _expect(cf in (1, 2) and cw == 2, f"InstrumentationScope field {cf}")
                    scope["name" if cf == 1 else "version"] = cv.decode("utf-8")
                ss["scope"] = scope
            rs["scopeSpans"].append(ss)
        doc["resourceSpans"].append(rs)
    return doc


def decode_export(content_type, body):
    """A POST /v1/traces body by its Content-Type: application/x-protobuf or application/json."""
    if content_type == "application/x-protobuf":
        return decode_request(body)
    if content_type == "application/json":
        return json.loads(body)
    raise ValueError(f"Content-Type {content_type!r} is not an OTLP/HTTP one")
