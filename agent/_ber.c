/* An SNMP v1/v2c GetResponse decoded in C: agent.snmp_ber's hot path.
 *
 * response(data, missing) -> (version, community, request_id, error_status, error_index,
 *                            oids, values)
 *   data     the whole message (bytes)
 *   missing  (noSuchObject, noSuchInstance, endOfMibView): the objects to return for them
 *   oids     each varbind's OID as its BER content bytes
 *   values   int, bytes, str (OBJECT IDENTIFIER, IpAddress), None or one of `missing`
 *
 * Accepts exactly what agent.snmp_ber's Python decoder accepts and returns the same values
 * (tests/unit/agent_snmp/test_ber.py compares the two on generated and mutated input);
 * anything else raises ValueError with the reason. Every read is bounds-checked against the
 * enclosing length: the input is a datagram from the network.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* One TLV header at *pos, inside [*pos, end): tag checked when want >= 0; sets the content
 * range [*cstart, *cend). Returns the tag, or -1 with an exception set. */
static int header(const unsigned char *d, Py_ssize_t *pos, Py_ssize_t end, int want,
                  Py_ssize_t *cstart, Py_ssize_t *cend)
{
    Py_ssize_t i = *pos;
    if (i + 2 > end) {
        PyErr_Format(PyExc_ValueError, "truncated at offset %zd", i);
        return -1;
    }
    int tag = d[i];
    if (want >= 0 && tag != want) {
        PyErr_Format(PyExc_ValueError, "tag 0x%02x where 0x%02x belongs (offset %zd)", tag,
                     want, i);
        return -1;
    }
    Py_ssize_t n = d[i + 1];
    i += 2;
    if (n & 0x80) {
        int k = (int)(n & 0x7f);
        if (k < 1 || k > 4) {
            PyErr_Format(PyExc_ValueError, "length of %d bytes at offset %zd", k, i - 1);
            return -1;
        }
        if (i + k > end) {
            PyErr_Format(PyExc_ValueError, "truncated at offset %zd", i);
            return -1;
        }
        n = 0;
        for (int b = 0; b < k; b++)
            n = (n << 8) | d[i + b];
        i += k;
    }
    if (i + n > end) {
        PyErr_Format(PyExc_ValueError, "length %zd runs past the end (offset %zd)", n, i);
        return -1;
    }
    *cstart = i;
    *cend = i + n;
    *pos = i + n;
    return tag;
}

/* Decimal digits of v at text + used (no terminator); the new length. */
static size_t put_decimal(char *text, size_t used, uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        text[used++] = digits[--n];
    return used;
}

/* Dotted text of an OID value: complete sub-identifiers, each below 2^32. */
static PyObject *oid_value(const unsigned char *d, Py_ssize_t a, Py_ssize_t b)
{
    char text[128 * 11 + 4];
    size_t used = 0;
    uint64_t arc = 0;
    int arcs = 0;
    if (a >= b || (d[b - 1] & 0x80)) {
        PyErr_Format(PyExc_ValueError, "malformed OID value at offset %zd", a);
        return NULL;
    }
    for (Py_ssize_t i = a; i < b; i++) {
        arc = (arc << 7) | (d[i] & 0x7f);
        if (arc > 0xffffffffULL) {
            PyErr_Format(PyExc_ValueError, "OID value arc too large at offset %zd", i);
            return NULL;
        }
        if (d[i] & 0x80)
            continue;
        if (arcs >= 128) {
            PyErr_Format(PyExc_ValueError, "OID value of over 128 arcs at offset %zd", a);
            return NULL;
        }
        if (arcs == 0) {
            unsigned long first = arc < 40 ? 0 : arc < 80 ? 1 : 2;
            used += (size_t)snprintf(text + used, sizeof text - used, "%lu.%llu", first,
                                     (unsigned long long)(arc - first * 40));
        } else {
            used += (size_t)snprintf(text + used, sizeof text - used, ".%llu",
                                     (unsigned long long)arc);
        }
        arcs++;
        arc = 0;
    }
    return PyUnicode_FromStringAndSize(text, (Py_ssize_t)used);
}

static PyObject *value_of(const unsigned char *d, int tag, Py_ssize_t a, Py_ssize_t b,
                          PyObject *missing)
{
    Py_ssize_t n = b - a;
    switch (tag) {
    case 0x41: case 0x42: case 0x43: case 0x46: case 0x47: { /* unsigned */
        if (n < 1 || n > 9 || (n == 9 && d[a] != 0)) {
            PyErr_Format(PyExc_ValueError, "unsigned value of %zd bytes at offset %zd", n, a);
            return NULL;
        }
        unsigned long long v = 0;
        for (Py_ssize_t i = a; i < b; i++)
            v = (v << 8) | d[i];
        return PyLong_FromUnsignedLongLong(v);
    }
    case 0x04: case 0x44: /* OCTET STRING, Opaque */
        return PyBytes_FromStringAndSize((const char *)d + a, n);
    case 0x02: { /* INTEGER */
        if (n < 1 || n > 8) {
            PyErr_Format(PyExc_ValueError, "INTEGER of %zd bytes at offset %zd", n, a);
            return NULL;
        }
        uint64_t v = (d[a] & 0x80) ? UINT64_MAX : 0;
        for (Py_ssize_t i = a; i < b; i++)
            v = (v << 8) | d[i];
        return PyLong_FromLongLong((long long)v);
    }
    case 0x80: case 0x81: case 0x82: {
        PyObject *m = PyTuple_GET_ITEM(missing, tag - 0x80);
        Py_INCREF(m);
        return m;
    }
    case 0x05:
        Py_RETURN_NONE;
    case 0x06:
        return oid_value(d, a, b);
    case 0x40:
        if (n != 4) {
            PyErr_Format(PyExc_ValueError, "IpAddress of %zd bytes at offset %zd", n, a);
            return NULL;
        }
        return PyUnicode_FromFormat("%u.%u.%u.%u", d[a], d[a + 1], d[a + 2], d[a + 3]);
    default:
        PyErr_Format(PyExc_ValueError, "unsupported value tag 0x%02x at offset %zd", tag, a);
        return NULL;
    }
}

/* The varbind list in [i, end) into two new lists; NULL with an exception set. */
static PyObject *decode_list(const unsigned char *d, Py_ssize_t i, Py_ssize_t end,
                             PyObject *missing)
{
    PyObject *oids = PyList_New(0), *values = PyList_New(0), *result = NULL;
    if (oids == NULL || values == NULL)
        goto done;
    while (i < end) {
        Py_ssize_t vs, ve, os_, oe, xs, xe;
        if (header(d, &i, end, 0x30, &vs, &ve) < 0)
            goto done;
        Py_ssize_t j = vs;
        if (header(d, &j, ve, 0x06, &os_, &oe) < 0)
            goto done;
        if (os_ == oe || (d[oe - 1] & 0x80)) {
            PyErr_Format(PyExc_ValueError, "malformed OID at offset %zd", os_);
            goto done;
        }
        int head = 1;
        for (Py_ssize_t k = os_; k < oe; k++) {
            if (head && d[k] == 0x80) {
                PyErr_Format(PyExc_ValueError, "malformed OID at offset %zd", os_);
                goto done;
            }
            head = d[k] < 0x80;
        }
        int tag = header(d, &j, ve, -1, &xs, &xe);
        if (tag < 0)
            goto done;
        if (j != ve) {
            PyErr_Format(PyExc_ValueError, "varbind length mismatch at offset %zd", xs);
            goto done;
        }
        PyObject *oid = PyBytes_FromStringAndSize((const char *)d + os_, oe - os_);
        if (oid == NULL)
            goto done;
        int failed = PyList_Append(oids, oid);
        Py_DECREF(oid);
        if (failed)
            goto done;
        PyObject *value = value_of(d, tag, xs, xe, missing);
        if (value == NULL)
            goto done;
        failed = PyList_Append(values, value);
        Py_DECREF(value);
        if (failed)
            goto done;
    }
    result = PyTuple_Pack(2, oids, values);
done:
    Py_XDECREF(oids);
    Py_XDECREF(values);
    return result;
}

static int check_missing(PyObject *missing)
{
    if (PyTuple_GET_SIZE(missing) != 3) {
        PyErr_SetString(PyExc_ValueError, "missing must hold 3 values");
        return -1;
    }
    return 0;
}

/* A small INTEGER (1..8 bytes) in [a, b); -1 with an exception set when it is not. */
static int small_int(const unsigned char *d, Py_ssize_t a, Py_ssize_t b, long long *out)
{
    if (b - a < 1 || b - a > 8) {
        PyErr_Format(PyExc_ValueError, "INTEGER of %zd bytes (offset %zd)", b - a, a);
        return -1;
    }
    uint64_t v = (d[a] & 0x80) ? UINT64_MAX : 0;
    for (Py_ssize_t i = a; i < b; i++)
        v = (v << 8) | d[i];
    *out = (long long)v;
    return 0;
}

/* response(data, missing) -> (version, community, request_id, error_status, error_index,
 * oids, values): a whole v1/v2c GetResponse, as agent.snmp_ber._decode_py reads it. */
static PyObject *response(PyObject *self, PyObject *args)
{
    Py_buffer buf;
    PyObject *missing, *result = NULL, *pair = NULL, *community = NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*O!", &buf, &PyTuple_Type, &missing))
        return NULL;
    const unsigned char *d = (const unsigned char *)buf.buf;
    Py_ssize_t end = buf.len, i = 0, a, b, stop, pdu_end, list_end;
    long long version, request_id, status, index;
    if (check_missing(missing) < 0)
        goto done;
    if (header(d, &i, end, 0x30, &a, &stop) < 0)
        goto done;
    if (stop != end) {
        PyErr_Format(PyExc_ValueError, "%zd bytes after the message", end - stop);
        goto done;
    }
    i = a;
    if (header(d, &i, stop, 0x02, &a, &b) < 0 || small_int(d, a, b, &version) < 0)
        goto done;
    if (header(d, &i, stop, 0x04, &a, &b) < 0)
        goto done;
    community = PyBytes_FromStringAndSize((const char *)d + a, b - a);
    if (community == NULL)
        goto done;
    if (i < stop && d[i] != 0xa2) {
        PyErr_Format(PyExc_ValueError, "PDU type 0x%02x, not a GetResponse", d[i]);
        goto done;
    }
    if (header(d, &i, stop, 0xa2, &a, &pdu_end) < 0)
        goto done;
    if (pdu_end != stop) {
        PyErr_SetString(PyExc_ValueError, "bytes after the PDU");
        goto done;
    }
    i = a;
    if (header(d, &i, pdu_end, 0x02, &a, &b) < 0 || small_int(d, a, b, &request_id) < 0)
        goto done;
    if (header(d, &i, pdu_end, 0x02, &a, &b) < 0 || small_int(d, a, b, &status) < 0)
        goto done;
    if (header(d, &i, pdu_end, 0x02, &a, &b) < 0 || small_int(d, a, b, &index) < 0)
        goto done;
    if (header(d, &i, pdu_end, 0x30, &a, &list_end) < 0)
        goto done;
    if (list_end != pdu_end) {
        PyErr_SetString(PyExc_ValueError, "bytes after the varbind list");
        goto done;
    }
    pair = decode_list(d, a, list_end, missing);
    if (pair == NULL)
        goto done;
    result = Py_BuildValue("(LOLLLOO)", version, community, request_id, status, index,
                           PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1));
done:
    Py_XDECREF(pair);
    Py_XDECREF(community);
    PyBuffer_Release(&buf);
    return result;
}

/* indexes(oids, prefix, last) -> list[str] | None: the index text of each OID (the arcs after
 * `prefix`, dotted) when every OID lies under `prefix` and they rise strictly from `last`
 * (byte order: the numeric order of minimally encoded OIDs); None otherwise, for the
 * caller's varbind-by-varbind path to say what went wrong. */
static PyObject *indexes(PyObject *self, PyObject *args)
{
    PyObject *oids, *prefix, *last;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!O!O!", &PyList_Type, &oids, &PyBytes_Type, &prefix,
                          &PyBytes_Type, &last))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(oids), plen = PyBytes_GET_SIZE(prefix);
    const char *p = PyBytes_AS_STRING(prefix);
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    PyObject *before = last;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *oid = PyList_GET_ITEM(oids, k);
        if (!PyBytes_Check(oid))
            goto irregular;
        Py_ssize_t len = PyBytes_GET_SIZE(oid), blen = PyBytes_GET_SIZE(before);
        const unsigned char *o = (const unsigned char *)PyBytes_AS_STRING(oid);
        if (len <= plen || memcmp(o, p, (size_t)plen) != 0)
            goto irregular;
        Py_ssize_t common = len < blen ? len : blen;
        int c = memcmp(o, PyBytes_AS_STRING(before), (size_t)common);
        if (c < 0 || (c == 0 && len <= blen))
            goto irregular;
        char text[1024];
        size_t used = 0;
        uint64_t arc = 0;
        for (Py_ssize_t i = plen; i < len; i++) {
            arc = (arc << 7) | (o[i] & 0x7f);
            if (arc > 0xffffffffULL)
                goto irregular;
            if (o[i] & 0x80)
                continue;
            if (used + 12 > sizeof text)
                goto irregular;
            if (used)
                text[used++] = '.';
            used = put_decimal(text, used, arc);
            arc = 0;
        }
        if (o[len - 1] & 0x80)
            goto irregular;
        PyObject *s = PyUnicode_FromStringAndSize(text, (Py_ssize_t)used);
        if (s == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, k, s);
        before = oid;
    }
    return out;
irregular:
    Py_DECREF(out);
    Py_RETURN_NONE;
}

static void put_length(unsigned char **w, Py_ssize_t n)
{
    unsigned char *q = *w;
    if (n < 0x80) {
        *q++ = (unsigned char)n;
    } else if (n < 0x100) {
        *q++ = 0x81;
        *q++ = (unsigned char)n;
    } else if (n < 0x10000) {
        *q++ = 0x82;
        *q++ = (unsigned char)(n >> 8);
        *q++ = (unsigned char)n;
    } else {
        *q++ = 0x84;
        *q++ = (unsigned char)(n >> 24);
        *q++ = (unsigned char)(n >> 16);
        *q++ = (unsigned char)(n >> 8);
        *q++ = (unsigned char)n;
    }
    *w = q;
}

static Py_ssize_t length_size(Py_ssize_t n)
{
    return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

static Py_ssize_t int_size(long long v)
{
    Py_ssize_t n = 1;
    while (n < 8 && !(v >= -(1LL << (8 * n - 1)) && v < (1LL << (8 * n - 1))))
        n++;
    return n;
}

static void put_int(unsigned char **w, long long v)
{
    Py_ssize_t n = int_size(v);
    unsigned char *q = *w;
    *q++ = 0x02;
    *q++ = (unsigned char)n;
    for (Py_ssize_t i = n - 1; i >= 0; i--)
        *q++ = (unsigned char)((unsigned long long)v >> (8 * i));
    *w = q;
}

/* getbulk(version, community, request_id, max_repetitions, oids) -> bytes: the message
 * agent.snmp_ber.getbulk_py builds (non-repeaters 0, NULL values). */
static PyObject *getbulk(PyObject *self, PyObject *args)
{
    long long version, request_id, reps;
    Py_buffer community;
    PyObject *oids;
    (void)self;
    if (!PyArg_ParseTuple(args, "Ly*LLO!", &version, &community, &request_id, &reps,
                          &PyList_Type, &oids))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = PyList_GET_SIZE(oids), binds = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *oid = PyList_GET_ITEM(oids, k);
        if (!PyBytes_Check(oid)) {
            PyErr_SetString(PyExc_TypeError, "OIDs must be bytes");
            goto done;
        }
        Py_ssize_t olen = PyBytes_GET_SIZE(oid), vb = 1 + length_size(olen) + olen + 2;
        binds += 1 + length_size(vb) + vb;
    }
    Py_ssize_t ints = 2 + int_size(request_id) + 2 + int_size(0) + 2 + int_size(reps);
    Py_ssize_t pdu = ints + 1 + length_size(binds) + binds;
    Py_ssize_t body = 2 + int_size(version) + 1 + length_size(community.len) + community.len
                      + 1 + length_size(pdu) + pdu;
    Py_ssize_t total = 1 + length_size(body) + body;
    result = PyBytes_FromStringAndSize(NULL, total);
    if (result == NULL)
        goto done;
    unsigned char *w = (unsigned char *)PyBytes_AS_STRING(result);
    *w++ = 0x30;
    put_length(&w, body);
    put_int(&w, version);
    *w++ = 0x04;
    put_length(&w, community.len);
    memcpy(w, community.buf, (size_t)community.len);
    w += community.len;
    *w++ = 0xa5;
    put_length(&w, pdu);
    put_int(&w, request_id);
    put_int(&w, 0);
    put_int(&w, reps);
    *w++ = 0x30;
    put_length(&w, binds);
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *oid = PyList_GET_ITEM(oids, k);
        Py_ssize_t olen = PyBytes_GET_SIZE(oid), vb = 1 + length_size(olen) + olen + 2;
        *w++ = 0x30;
        put_length(&w, vb);
        *w++ = 0x06;
        put_length(&w, olen);
        memcpy(w, PyBytes_AS_STRING(oid), (size_t)olen);
        w += olen;
        *w++ = 0x05;
        *w++ = 0x00;
    }
done:
    PyBuffer_Release(&community);
    return result;
}

/* Index text of oid[plen:] into *out (arcs below 2^32, at most ~1000 characters); 0, or -1
 * when it does not fit those bounds (no exception set). */
static int index_of(const unsigned char *o, Py_ssize_t plen, Py_ssize_t len, PyObject **out)
{
    char text[1024];
    size_t used = 0;
    uint64_t arc = 0;
    if (o[len - 1] & 0x80)
        return -1;
    for (Py_ssize_t i = plen; i < len; i++) {
        arc = (arc << 7) | (o[i] & 0x7f);
        if (arc > 0xffffffffULL)
            return -1;
        if (o[i] & 0x80)
            continue;
        if (used + 12 > sizeof text)
            return -1;
        if (used)
            text[used++] = '.';
        used = put_decimal(text, used, arc);
        arc = 0;
    }
    *out = PyUnicode_FromStringAndSize(text, (Py_ssize_t)used);
    return 0;
}

/* feed(oids, values, prefixes, lasts, rows, missing) -> list[int]: one GETBULK answer
 * shared out among the columns asked (varbind k to column k mod N), as
 * agent.snmp_columns.ColumnsWalk._take does it for the usual answer. Per column:
 * 0 = rows added, goes on (lasts[j] moved on); 1 = rows added up to the column's end;
 * 2 = irregular (an OID not rising, the column's own OID, an index out of bounds):
 * nothing done, the caller goes varbind by varbind; 3 = no varbind for it. */
static PyObject *feed(PyObject *self, PyObject *args)
{
    PyObject *oids, *values, *prefixes, *lasts, *rows, *missing;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!", &PyList_Type, &oids, &PyList_Type, &values,
                          &PyList_Type, &prefixes, &PyList_Type, &lasts, &PyList_Type, &rows,
                          &PyTuple_Type, &missing))
        return NULL;
    if (check_missing(missing) < 0)
        return NULL;
    Py_ssize_t total = PyList_GET_SIZE(oids), n = PyList_GET_SIZE(prefixes);
    if (PyList_GET_SIZE(values) != total || PyList_GET_SIZE(lasts) != n
        || PyList_GET_SIZE(rows) != n || n == 0) {
        PyErr_SetString(PyExc_ValueError, "feed: lists of different lengths");
        return NULL;
    }
    PyObject *eomv = PyTuple_GET_ITEM(missing, 2);
    PyObject *nso = PyTuple_GET_ITEM(missing, 0), *nsi = PyTuple_GET_ITEM(missing, 1);
    PyObject *states = PyList_New(n);
    if (states == NULL)
        return NULL;
    for (Py_ssize_t j = 0; j < n; j++) {
        PyObject *prefix = PyList_GET_ITEM(prefixes, j), *table = PyList_GET_ITEM(rows, j);
        PyObject *before = PyList_GET_ITEM(lasts, j);
        long state = 3;
        if (!PyBytes_Check(prefix) || !PyBytes_Check(before) || !PyDict_Check(table)) {
            PyErr_SetString(PyExc_TypeError, "feed: prefixes and lasts are bytes, rows dicts");
            goto fail;
        }
        Py_ssize_t plen = PyBytes_GET_SIZE(prefix), end = total;
        const char *p = PyBytes_AS_STRING(prefix);
        /* first pass: where the column ends, and whether what comes before is regular */
        for (Py_ssize_t k = j; k < total; k += n) {
            PyObject *oid = PyList_GET_ITEM(oids, k);
            if (!PyBytes_Check(oid)) {
                state = 2;
                break;
            }
            Py_ssize_t len = PyBytes_GET_SIZE(oid), blen = PyBytes_GET_SIZE(before);
            const unsigned char *o = (const unsigned char *)PyBytes_AS_STRING(oid);
            if (len < plen || memcmp(o, p, (size_t)plen) != 0
                || PyList_GET_ITEM(values, k) == eomv) {
                end = k; /* the column is over here */
                break;
            }
            if (len == plen) { /* the column's own OID: let the careful path say why */
                state = 2;
                break;
            }
            Py_ssize_t common = len < blen ? len : blen;
            int c = memcmp(o, PyBytes_AS_STRING(before), (size_t)common);
            if (c < 0 || (c == 0 && len <= blen)) {
                state = 2;
                break;
            }
            before = oid;
            state = 0;
        }
        if (state == 2) {
            PyObject *two = PyLong_FromLong(2);
            if (two == NULL)
                goto fail;
            PyList_SET_ITEM(states, j, two);
            continue;
        }
        /* second pass: the index texts; an index out of bounds makes it irregular */
        Py_ssize_t count = 0;
        for (Py_ssize_t k = j; k < end; k += n)
            count++;
        PyObject **keys = count ? PyMem_Malloc((size_t)count * sizeof(PyObject *)) : NULL;
        if (count && keys == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        Py_ssize_t made = 0;
        int irregular = 0;
        for (Py_ssize_t k = j; k < end; k += n) {
            PyObject *oid = PyList_GET_ITEM(oids, k);
            if (index_of((const unsigned char *)PyBytes_AS_STRING(oid), plen,
                         PyBytes_GET_SIZE(oid), &keys[made]) < 0) {
                irregular = 1;
                break;
            }
            if (keys[made] == NULL) {
                for (Py_ssize_t m = 0; m < made; m++)
                    Py_DECREF(keys[m]);
                PyMem_Free(keys);
                goto fail;
            }
            made++;
        }
        if (!irregular) {
            Py_ssize_t m = 0;
            for (Py_ssize_t k = j; k < end; k += n, m++) {
                PyObject *value = PyList_GET_ITEM(values, k);
                if (value == nso || value == nsi)
                    value = Py_None;
                if (PyDict_SetItem(table, keys[m], value) < 0) {
                    for (Py_ssize_t r = 0; r < made; r++)
                        Py_DECREF(keys[r]);
                    PyMem_Free(keys);
                    goto fail;
                }
            }
            if (made) {
                PyObject *last = PyList_GET_ITEM(oids, j + (made - 1) * n);
                Py_INCREF(last);
                PyList_SetItem(lasts, j, last); /* steals; drops the old one */
            }
            state = end < total ? 1 : (made ? 0 : 3);
        } else {
            state = 2;
        }
        for (Py_ssize_t r = 0; r < made; r++)
            Py_DECREF(keys[r]);
        PyMem_Free(keys);
        PyObject *st = PyLong_FromLong(state);
        if (st == NULL)
            goto fail;
        PyList_SET_ITEM(states, j, st);
    }
    return states;
fail:
    Py_DECREF(states);
    return NULL;
}

static PyMethodDef methods[] = {
    {"response", response, METH_VARARGS,
     "response(data, missing) -> (version, community, request_id, error_status, "
     "error_index, oids, values): a whole v1/v2c GetResponse."},
    {"indexes", indexes, METH_VARARGS,
     "indexes(oids, prefix, last) -> list[str] | None: index texts of a regular column."},
    {"feed", feed, METH_VARARGS,
     "feed(oids, values, prefixes, lasts, rows, missing) -> list[int]: an answer shared "
     "out among its columns."},
    {"getbulk", getbulk, METH_VARARGS,
     "getbulk(version, community, request_id, max_repetitions, oids) -> bytes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "agent._ber", "SNMP varbind decoding in C (see agent.snmp_ber).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__ber(void) { return PyModule_Create(&module); }
