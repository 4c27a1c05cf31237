/*
 * Optional accelerator for the X12 readers (see accel.py and docs/x12.md).
 *
 * Two functions, each the C twin of one Python function that stays the reference:
 *
 *   split_segments(text, element, terminator)  ~ envelope._split_py
 *   read_claims(segments, start, component, spec) ~ read835._claims_py
 *
 * Both only ever *succeed the same way* as their twin: whenever the input is not
 * the plain, valid case they know (another string width, a malformed amount, an
 * unbalanced claim, an unexpected segment...), they return None and the caller
 * runs the Python twin, which then raises the located X12Error. So every error a
 * reader raises comes from Python code; tests run both paths over the same files.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* ------------------------------------------------------------------ helpers */

/* Is ``u`` (a str) exactly the ASCII literal ``lit`` of length ``n``? */
static inline int
str_is(PyObject *u, const char *lit, Py_ssize_t n)
{
    return PyUnicode_KIND(u) == PyUnicode_1BYTE_KIND && PyUnicode_GET_LENGTH(u) == n &&
           memcmp(PyUnicode_1BYTE_DATA(u), lit, (size_t)n) == 0;
}

#define IS(u, lit) str_is((u), (lit), (Py_ssize_t)(sizeof(lit) - 1))

static int
is_envelope_id(PyObject *u)
{
    return IS(u, "ISA") || IS(u, "GS") || IS(u, "ST") || IS(u, "SE") || IS(u, "GE") ||
           IS(u, "IEA");
}

/* str.isascii() and str.isalnum() and str.isupper(), 2 or 3 characters long. */
static int
is_segment_id(PyObject *u)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(u);
    if (PyUnicode_KIND(u) != PyUnicode_1BYTE_KIND || n < 2 || n > 3)
        return 0;
    const unsigned char *p = PyUnicode_1BYTE_DATA(u);
    int letters = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (p[i] >= 'A' && p[i] <= 'Z')
            letters = 1;
        else if (!(p[i] >= '0' && p[i] <= '9'))
            return 0;
    }
    return letters;
}

/* ------------------------------------------------------------ split_segments */

/* Short elements repeat all over a file (ids, qualifiers, codes, dates, amounts):
 * one string object per distinct short value, kept in a direct-mapped table for
 * the duration of one call, saves most of the allocations. */
#define TABLE_BITS 12 /* small enough to stay in the CPU cache */
#define SHORT 12

typedef struct {
    uint32_t hash;
    PyObject *str;
} Entry;

static PyObject *
element(Entry *table, const unsigned char *p, Py_ssize_t len)
{
    if (len < 2 || len > SHORT || table == NULL)
        return PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, p, len);
    uint32_t h = 2166136261u ^ (uint32_t)len;
    for (Py_ssize_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    Entry *slot = &table[(h ^ (h >> TABLE_BITS) ^ (h >> 24)) & ((1u << TABLE_BITS) - 1)];
    PyObject *hit = slot->str;
    if (hit != NULL && slot->hash == h && PyUnicode_GET_LENGTH(hit) == len &&
        memcmp(PyUnicode_1BYTE_DATA(hit), p, (size_t)len) == 0) {
        Py_INCREF(hit);
        return hit;
    }
    PyObject *made = PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, p, len);
    if (made != NULL && hit == NULL) { /* first come keeps the slot: no eviction */
        Py_INCREF(made);
        slot->str = made;
        slot->hash = h;
    }
    return made;
}

static void
free_table(Entry *table)
{
    if (table == NULL)
        return;
    for (size_t i = 0; i < ((size_t)1 << TABLE_BITS); i++)
        Py_XDECREF(table[i].str);
    PyMem_Free(table);
}

static PyObject *
split_segments(PyObject *self, PyObject *args)
{
    PyObject *text, *ele_obj, *term_obj;
    if (!PyArg_ParseTuple(args, "UUU:split_segments", &text, &ele_obj, &term_obj))
        return NULL;
    if (PyUnicode_GET_LENGTH(ele_obj) != 1 || PyUnicode_GET_LENGTH(term_obj) != 1 ||
        PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND)
        Py_RETURN_NONE;
    Py_UCS4 ele = PyUnicode_READ_CHAR(ele_obj, 0);
    Py_UCS4 term = PyUnicode_READ_CHAR(term_obj, 0);
    if (ele > 255 || term > 255 || ele == term)
        Py_RETURN_NONE;
    const unsigned char e = (unsigned char)ele, t = (unsigned char)term;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const unsigned char *src = PyUnicode_1BYTE_DATA(text);

    /* Line breaks (other than a terminator) are not data: drop them all. */
    unsigned char *owned = NULL;
    const unsigned char *buf = src;
    int has_cr = t != '\r' && memchr(src, '\r', (size_t)n) != NULL;
    int has_lf = t != '\n' && memchr(src, '\n', (size_t)n) != NULL;
    if (has_cr || has_lf) {
        owned = PyMem_Malloc((size_t)n + 1);
        if (owned == NULL)
            return PyErr_NoMemory();
        Py_ssize_t m = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            unsigned char c = src[i];
            if ((c == '\r' && has_cr) || (c == '\n' && has_lf))
                continue;
            owned[m++] = c;
        }
        buf = owned;
        n = m;
    }

    /* Only whitespace may follow the last terminator. */
    Py_ssize_t end = n;
    while (end > 0 && buf[end - 1] != t) {
        if (!Py_UNICODE_ISSPACE(buf[end - 1]))
            break;
        end--;
    }
    if (end == 0 || buf[end - 1] != t) {
        PyMem_Free(owned);
        Py_RETURN_NONE;
    }

    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < end; i++)
        count += buf[i] == t;
    Entry *table = PyMem_Calloc((size_t)1 << TABLE_BITS, sizeof(Entry));
    PyObject *out = table == NULL ? NULL : PyList_New(count);
    PyObject *marks = out == NULL ? NULL : PyList_New(0);
    if (marks == NULL)
        goto fail;
    Py_ssize_t a = 0;
    for (Py_ssize_t s = 0; s < count; s++) {
        const unsigned char *stop = memchr(buf + a, t, (size_t)(end - a));
        Py_ssize_t b = stop - buf;
        Py_ssize_t parts = 1;
        for (Py_ssize_t i = a; i < b; i++)
            parts += buf[i] == e;
        PyObject *seg = PyList_New(parts);
        if (seg == NULL)
            goto fail;
        PyList_SET_ITEM(out, s, seg);
        Py_ssize_t k = 0, from = a;
        for (Py_ssize_t i = a; i <= b; i++) {
            if (i == b || buf[i] == e) {
                PyObject *item = element(table, buf + from, i - from);
                if (item == NULL)
                    goto fail;
                PyList_SET_ITEM(seg, k++, item);
                from = i + 1;
            }
        }
        PyObject *sid = PyList_GET_ITEM(seg, 0);
        if (is_envelope_id(sid) || !is_segment_id(sid)) {
            PyObject *at = PyLong_FromSsize_t(s);
            if (at == NULL || PyList_Append(marks, at) < 0) {
                Py_XDECREF(at);
                goto fail;
            }
            Py_DECREF(at);
        }
        a = b + 1;
    }
    free_table(table);
    PyMem_Free(owned);
    return Py_BuildValue("(NN)", out, marks);

fail:
    Py_XDECREF(out);
    Py_XDECREF(marks);
    free_table(table);
    PyMem_Free(owned);
    if (!PyErr_Occurred())
        PyErr_NoMemory();
    return NULL;
}

/* --------------------------------------------------------------- read_claims */

/* What read835 hands over once: descriptors to fill objects, caches, code sets. */
typedef struct {
    PyTypeObject *adj_type, *line_type, *claim_type;
    PyObject *adj_fields, *line_fields, *claim_fields; /* tuples of member descriptors */
    PyObject *dates;                                   /* values._DATES */
    PyObject *parse_date, *parse_cents;                /* the Python parsers */
    PyObject *known, *groups, *statuses, *qualifiers;  /* frozensets */
    PyObject *empty_str, *empty_tuple;
} Spec;

/* Outcome of a helper: OK, DECLINE (let Python do it) or ERROR (exception set). */
enum { OK = 0, DECLINE = 1, ERROR = -1 };

/* Call a Python parser; ValueError means "decline", anything else propagates. */
static int
call_parser(PyObject *fn, PyObject *arg, PyObject **result)
{
    *result = PyObject_CallOneArg(fn, arg);
    if (*result != NULL)
        return OK;
    if (PyErr_ExceptionMatches(PyExc_ValueError)) {
        PyErr_Clear();
        return DECLINE;
    }
    return ERROR;
}

/* Amounts stay below this (in cents) so that no sum can overflow a long long:
 * anything larger is left to Python's integers. */
#define LIMIT 100000000000000LL

/* Add with an overflow check (sums of many huge amounts): 0 when it fits. */
static inline int
add(long long *total, long long v)
{
    return __builtin_add_overflow(*total, v, total);
}

/* values.parse_cents for the plain shapes ("-"?digits("."d{1,2})?), else the Python one. */
static int
cents(const Spec *sp, PyObject *u, long long *value)
{
    if (PyUnicode_KIND(u) == PyUnicode_1BYTE_KIND) {
        const unsigned char *s = PyUnicode_1BYTE_DATA(u);
        Py_ssize_t n = PyUnicode_GET_LENGTH(u), i = 0;
        int neg = n > 0 && s[0] == '-';
        i = neg;
        long long whole = 0;
        Py_ssize_t wd = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && wd < 12) {
            whole = whole * 10 + (s[i] - '0');
            i++;
            wd++;
        }
        long long frac = 0;
        Py_ssize_t fd = -1; /* -1: no dot */
        if (i < n && s[i] == '.') {
            i++;
            fd = 0;
            while (i < n && s[i] >= '0' && s[i] <= '9' && fd < 3) {
                frac = frac * 10 + (s[i] - '0');
                i++;
                fd++;
            }
        }
        if (i == n && (fd == 1 || fd == 2 || (fd == -1 && wd > 0))) {
            long long v = whole * 100 + (fd == 1 ? frac * 10 : fd == 2 ? frac : 0);
            *value = neg ? -v : v;
            return OK;
        }
    }
    PyObject *r;
    int rc = call_parser(sp->parse_cents, u, &r);
    if (rc != OK)
        return rc;
    int overflow = 0;
    *value = PyLong_AsLongLongAndOverflow(r, &overflow);
    Py_DECREF(r);
    if (overflow || (*value == -1 && PyErr_Occurred()) || *value > LIMIT || *value < -LIMIT) {
        PyErr_Clear();
        return DECLINE;
    }
    return OK;
}

/* parse_date through its cache; a new reference in *out. */
static int
date(const Spec *sp, PyObject *u, PyObject **out)
{
    PyObject *hit = PyDict_GetItemWithError(sp->dates, u);
    if (hit != NULL) {
        Py_INCREF(hit);
        *out = hit;
        return OK;
    }
    if (PyErr_Occurred())
        return ERROR;
    return call_parser(sp->parse_date, u, out);
}

/* Build an instance of a slotted dataclass from values (steals the references). */
/* The objects built here are immutable and hold only str, int, date, None and
 * tuples of each other, so they can never be part of a reference cycle: like
 * CPython does for such tuples, they are left out of the cyclic GC, which would
 * otherwise traverse every one of them once the read re-enables it. */
static inline PyObject *
untracked(PyObject *obj)
{
    if (obj != NULL && PyObject_GC_IsTracked(obj))
        PyObject_GC_UnTrack(obj);
    return obj;
}

static PyObject *
build(PyTypeObject *type, PyObject *fields, PyObject **values, Py_ssize_t n)
{
    PyObject *obj = type->tp_alloc(type, 0);
    Py_ssize_t i = 0;
    if (obj == NULL)
        goto fail;
    for (; i < n; i++) {
        PyObject *d = PyTuple_GET_ITEM(fields, i);
        if (Py_TYPE(d)->tp_descr_set(d, obj, values[i]) < 0) {
            goto fail;
        }
        Py_DECREF(values[i]);
    }
    return untracked(obj);
fail:
    for (; i < n; i++)
        Py_DECREF(values[i]);
    Py_XDECREF(obj);
    return NULL;
}

static PyObject *
long_or_none(int present, long long v)
{
    if (!present)
        Py_RETURN_NONE;
    return PyLong_FromLongLong(v);
}

static PyObject *
item_or_empty(const Spec *sp, PyObject *seg, Py_ssize_t k)
{
    PyObject *v = k < PyList_GET_SIZE(seg) ? PyList_GET_ITEM(seg, k) : sp->empty_str;
    Py_INCREF(v);
    return v;
}

/* The state of the claim and service line being read. */
typedef struct {
    PyObject *clp, *name; /* borrowed segments */
    PyObject *adj, *lines;
    long long total;
    PyObject *d232, *d233;
    PyObject *svc; /* borrowed; NULL when no line is open */
    PyObject *l_adj, *l_rem;
    long long l_total;
    PyObject *d472, *d150, *d151, *ctl;
    int has_allowed;
    long long allowed;
} State;

static void
clear_line(State *st)
{
    Py_CLEAR(st->l_adj);
    Py_CLEAR(st->l_rem);
    Py_CLEAR(st->d472);
    Py_CLEAR(st->d150);
    Py_CLEAR(st->d151);
    Py_CLEAR(st->ctl);
    st->svc = NULL;
}

static void
clear_claim(State *st)
{
    clear_line(st);
    Py_CLEAR(st->adj);
    Py_CLEAR(st->lines);
    Py_CLEAR(st->d232);
    Py_CLEAR(st->d233);
    st->clp = st->name = NULL;
}

static int
open_line(State *st, PyObject *seg)
{
    st->svc = seg;
    st->l_adj = PyList_New(0);
    st->l_rem = PyList_New(0);
    st->ctl = PyUnicode_New(0, 0);
    st->l_total = 0;
    st->has_allowed = 0;
    return st->l_adj && st->l_rem && st->ctl ? OK : ERROR;
}

static int
open_claim(State *st, PyObject *seg)
{
    st->clp = seg;
    st->name = NULL;
    st->adj = PyList_New(0);
    st->lines = PyList_New(0);
    st->total = 0;
    return st->adj && st->lines ? OK : ERROR;
}

/* read835._cas: append a CAS's adjustments to ``target``, add their sum to *total. */
static int
cas(const Spec *sp, PyObject *seg, PyObject *target, long long *total)
{
    Py_ssize_t n = PyList_GET_SIZE(seg);
    if (n < 4 || n > 20)
        return DECLINE;
    PyObject *group = PyList_GET_ITEM(seg, 1);
    int in = PySet_Contains(sp->groups, group);
    if (in <= 0)
        return in < 0 ? ERROR : DECLINE;
    for (Py_ssize_t k = 2; k < n; k += 3) {
        PyObject *reason = PyList_GET_ITEM(seg, k);
        PyObject *amount = k + 1 < n ? PyList_GET_ITEM(seg, k + 1) : sp->empty_str;
        PyObject *quantity = k + 2 < n ? PyList_GET_ITEM(seg, k + 2) : sp->empty_str;
        Py_ssize_t lr = PyUnicode_GET_LENGTH(reason), la = PyUnicode_GET_LENGTH(amount);
        if (lr == 0 && la == 0 && PyUnicode_GET_LENGTH(quantity) == 0)
            continue;
        if (lr == 0 || la == 0)
            return DECLINE;
        long long v;
        int rc = cents(sp, amount, &v);
        if (rc != OK)
            return rc;
        if (add(total, v))
            return DECLINE;
        PyObject *vals[4] = {group, reason, PyLong_FromLongLong(v), quantity};
        if (vals[2] == NULL)
            return ERROR;
        Py_INCREF(group);
        Py_INCREF(reason);
        Py_INCREF(quantity);
        PyObject *obj = build(sp->adj_type, sp->adj_fields, vals, 4);
        if (obj == NULL)
            return ERROR;
        int r = PyList_Append(target, obj);
        Py_DECREF(obj);
        if (r < 0)
            return ERROR;
    }
    return OK;
}

/* read835._line: close the open service line into st->lines. */
static int
close_line(const Spec *sp, State *st, PyObject *comp)
{
    PyObject *seg = st->svc;
    PyObject *proc = PyUnicode_Split(PyList_GET_ITEM(seg, 1), comp, -1);
    if (proc == NULL)
        return ERROR;
    int rc = DECLINE;
    PyObject *mods = NULL;
    Py_ssize_t np = PyList_GET_SIZE(proc);
    if (np < 2 || PyUnicode_GET_LENGTH(PyList_GET_ITEM(proc, 1)) == 0)
        goto done;
    int in = PySet_Contains(sp->qualifiers, PyList_GET_ITEM(proc, 0));
    if (in <= 0) {
        rc = in < 0 ? ERROR : DECLINE;
        goto done;
    }
    long long charge, paid;
    if ((rc = cents(sp, PyList_GET_ITEM(seg, 2), &charge)) != OK ||
        (rc = cents(sp, PyList_GET_ITEM(seg, 3), &paid)) != OK)
        goto done;
    long long rest;
    if (__builtin_sub_overflow(charge, st->l_total, &rest) || rest != paid) {
        rc = DECLINE;
        goto done;
    }
    /* modifiers: the non-empty ones among proc[2:6] */
    Py_ssize_t nm = 0;
    PyObject *picked[4];
    for (Py_ssize_t k = 2; k < np && k < 6; k++) {
        PyObject *m = PyList_GET_ITEM(proc, k);
        if (PyUnicode_GET_LENGTH(m) > 0)
            picked[nm++] = m;
    }
    mods = untracked(PyTuple_New(nm));
    if (mods == NULL) {
        rc = ERROR;
        goto done;
    }
    for (Py_ssize_t k = 0; k < nm; k++) {
        Py_INCREF(picked[k]);
        PyTuple_SET_ITEM(mods, k, picked[k]);
    }
#define NONE_OR(x) ((x) != NULL ? (Py_INCREF(x), (x)) : (Py_INCREF(Py_None), Py_None))
    /* order: RemitLine's field order, see read835._LINE_FIELDS */
    PyObject *vals[14] = {
        PyList_GET_ITEM(proc, 1),
        PyLong_FromLongLong(charge),
        PyLong_FromLongLong(paid),
        PyList_GET_ITEM(proc, 0),
        mods,
        item_or_empty(sp, seg, 4),
        item_or_empty(sp, seg, 5),
        NONE_OR(st->d472),
        NONE_OR(st->d150),
        NONE_OR(st->d151),
        st->ctl,
        long_or_none(st->has_allowed, st->allowed),
        untracked(PyList_AsTuple(st->l_adj)),
        untracked(PyList_AsTuple(st->l_rem)),
    };
    Py_INCREF(vals[0]);
    Py_INCREF(vals[3]);
    Py_INCREF(vals[10]);
    mods = NULL; /* now owned by vals */
    for (int k = 0; k < 14; k++) {
        if (vals[k] == NULL) {
            for (int j = 0; j < 14; j++)
                Py_XDECREF(vals[j]);
            rc = ERROR;
            goto done;
        }
    }
    PyObject *line = build(sp->line_type, sp->line_fields, vals, 14);
    if (line == NULL || PyList_Append(st->lines, line) < 0) {
        Py_XDECREF(line);
        rc = ERROR;
        goto done;
    }
    Py_DECREF(line);
    clear_line(st);
    rc = OK;
done:
    Py_XDECREF(mods);
    Py_DECREF(proc);
    return rc;
}

/* read835._claim: close the open claim into ``claims``. */
static int
close_claim(const Spec *sp, State *st, PyObject *claims)
{
    PyObject *seg = st->clp;
    Py_ssize_t n = PyList_GET_SIZE(seg);
    if (n < 5 || PyUnicode_GET_LENGTH(PyList_GET_ITEM(seg, 1)) == 0)
        return DECLINE;
    int in = PySet_Contains(sp->statuses, PyList_GET_ITEM(seg, 2));
    if (in <= 0)
        return in < 0 ? ERROR : DECLINE;
    long long charge, paid, pr = 0;
    int rc;
    if ((rc = cents(sp, PyList_GET_ITEM(seg, 3), &charge)) != OK ||
        (rc = cents(sp, PyList_GET_ITEM(seg, 4), &paid)) != OK)
        return rc;
    long long rest;
    if (__builtin_sub_overflow(charge, st->total, &rest) || rest != paid)
        return DECLINE;
    if (n > 5 && PyUnicode_GET_LENGTH(PyList_GET_ITEM(seg, 5)) > 0 &&
        (rc = cents(sp, PyList_GET_ITEM(seg, 5), &pr)) != OK)
        return rc;
    PyObject *nm = st->name;
    PyObject *vals[16] = {
        item_or_empty(sp, seg, 1),
        item_or_empty(sp, seg, 2),
        PyLong_FromLongLong(charge),
        PyLong_FromLongLong(paid),
        PyLong_FromLongLong(pr),
        item_or_empty(sp, seg, 6),
        item_or_empty(sp, seg, 7),
        item_or_empty(sp, seg, 8),
        item_or_empty(sp, seg, 9),
        nm ? item_or_empty(sp, nm, 3) : NONE_OR(sp->empty_str),
        nm ? item_or_empty(sp, nm, 4) : NONE_OR(sp->empty_str),
        nm ? item_or_empty(sp, nm, 9) : NONE_OR(sp->empty_str),
        NONE_OR(st->d232),
        NONE_OR(st->d233),
        untracked(PyList_AsTuple(st->adj)),
        untracked(PyList_AsTuple(st->lines)),
    };
    for (int k = 0; k < 16; k++) {
        if (vals[k] == NULL) {
            for (int j = 0; j < 16; j++)
                Py_XDECREF(vals[j]);
            return ERROR;
        }
    }
    PyObject *claim = build(sp->claim_type, sp->claim_fields, vals, 16);
    if (claim == NULL || PyList_Append(claims, claim) < 0) {
        Py_XDECREF(claim);
        return ERROR;
    }
    Py_DECREF(claim);
    clear_claim(st);
    return OK;
}

/* One segment inside the claims; *stop set when a PLB or SE ends them. */
static int
step(const Spec *sp, State *st, PyObject *seg, int is_last, PyObject *comp, PyObject *claims,
     int *stop)
{
    Py_ssize_t n = PyList_GET_SIZE(seg);
    PyObject *sid = PyList_GET_ITEM(seg, 0);
    if (is_last)
        sid = NULL; /* the last segment is SE whatever it says */
    if (sid != NULL && IS(sid, "CAS")) {
        if (st->svc != NULL) {
            long long sum = 0;
            int rc = cas(sp, seg, st->l_adj, &sum);
            if (rc == OK && (add(&st->l_total, sum) || add(&st->total, sum)))
                return DECLINE;
            return rc;
        }
        return cas(sp, seg, st->adj, &st->total);
    }
    if (sid != NULL && IS(sid, "DTM")) {
        if (n < 2)
            return OK;
        PyObject *q = PyList_GET_ITEM(seg, 1), **slot = NULL;
        if (st->svc != NULL)
            slot = IS(q, "472") ? &st->d472 : IS(q, "150") ? &st->d150 : IS(q, "151") ? &st->d151
                                                                                      : NULL;
        else
            slot = IS(q, "232") ? &st->d232 : IS(q, "233") ? &st->d233 : NULL;
        if (slot == NULL)
            return OK;
        if (n < 3)
            return DECLINE;
        PyObject *d;
        int rc = date(sp, PyList_GET_ITEM(seg, 2), &d);
        if (rc != OK)
            return rc;
        Py_XSETREF(*slot, d);
        return OK;
    }
    int is_svc = sid != NULL && IS(sid, "SVC"), is_clp = sid != NULL && IS(sid, "CLP");
    if (sid == NULL || is_svc || is_clp || IS(sid, "PLB") || IS(sid, "SE")) {
        int rc;
        if (st->svc != NULL && (rc = close_line(sp, st, comp)) != OK)
            return rc;
        if (is_svc) {
            if (n < 4)
                return DECLINE;
            return open_line(st, seg);
        }
        if ((rc = close_claim(sp, st, claims)) != OK)
            return rc;
        if (is_clp)
            return open_claim(st, seg);
        *stop = 1;
        return OK;
    }
    if (IS(sid, "AMT")) {
        if (st->svc != NULL && n > 2 && IS(PyList_GET_ITEM(seg, 1), "B6")) {
            PyObject *v = PyList_GET_ITEM(seg, 2);
            if (PyUnicode_GET_LENGTH(v) == 0)
                return DECLINE;
            int rc = cents(sp, v, &st->allowed);
            if (rc != OK)
                return rc;
            st->has_allowed = 1;
        }
        return OK;
    }
    if (IS(sid, "NM1")) {
        if (st->svc == NULL && n > 1 && IS(PyList_GET_ITEM(seg, 1), "QC"))
            st->name = seg;
        return OK;
    }
    if (IS(sid, "REF")) {
        if (st->svc != NULL && n > 2 && IS(PyList_GET_ITEM(seg, 1), "6R")) {
            PyObject *v = PyList_GET_ITEM(seg, 2);
            Py_INCREF(v);
            Py_XSETREF(st->ctl, v);
        }
        return OK;
    }
    if (IS(sid, "LQ")) {
        if (st->svc != NULL && n > 2 && IS(PyList_GET_ITEM(seg, 1), "HE"))
            return PyList_Append(st->l_rem, PyList_GET_ITEM(seg, 2)) < 0 ? ERROR : OK;
        return OK;
    }
    if (IS(sid, "N1") || IS(sid, "BPR"))
        return DECLINE;
    int known = PySet_Contains(sp->known, sid);
    return known < 0 ? ERROR : known ? OK : DECLINE;
}

static int
get_spec(PyObject *spec, Spec *sp)
{
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 13) {
        PyErr_SetString(PyExc_TypeError, "read_claims: spec must be a 13-tuple");
        return -1;
    }
    PyObject **it = ((PyTupleObject *)spec)->ob_item;
    for (int k = 0; k < 3; k++) {
        if (!PyType_Check(it[k]) || !PyTuple_Check(it[k + 3])) {
            PyErr_SetString(PyExc_TypeError, "read_claims: bad spec");
            return -1;
        }
    }
    sp->adj_type = (PyTypeObject *)it[0];
    sp->line_type = (PyTypeObject *)it[1];
    sp->claim_type = (PyTypeObject *)it[2];
    sp->adj_fields = it[3];
    sp->line_fields = it[4];
    sp->claim_fields = it[5];
    if (PyTuple_GET_SIZE(it[3]) != 4 || PyTuple_GET_SIZE(it[4]) != 14 ||
        PyTuple_GET_SIZE(it[5]) != 16 || !PyDict_Check(it[6])) {
        PyErr_SetString(PyExc_TypeError, "read_claims: bad spec");
        return -1;
    }
    for (int k = 3; k < 6; k++) {
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(it[k]); j++) {
            if (Py_TYPE(PyTuple_GET_ITEM(it[k], j))->tp_descr_set == NULL) {
                PyErr_SetString(PyExc_TypeError, "read_claims: fields must be descriptors");
                return -1;
            }
        }
    }
    sp->dates = it[6];
    sp->parse_date = it[7];
    sp->parse_cents = it[8];
    sp->known = it[9];
    sp->groups = it[10];
    sp->statuses = it[11];
    sp->qualifiers = it[12];
    for (int k = 9; k < 13; k++) {
        if (!PyAnySet_Check(it[k])) {
            PyErr_SetString(PyExc_TypeError, "read_claims: code sets must be sets");
            return -1;
        }
    }
    return 0;
}

/* The segments were allocated all over the heap and reading them is bound by
 * memory latency: ask for the list objects, their item arrays and their first
 * element a few segments before they are needed (each step needs the one before). */
static inline void
prefetch_ahead(PyObject *segs, Py_ssize_t idx, Py_ssize_t last)
{
    if (idx + 8 <= last)
        __builtin_prefetch(PyList_GET_ITEM(segs, idx + 8));
    if (idx + 5 <= last) {
        PyObject *ahead = PyList_GET_ITEM(segs, idx + 5);
        if (PyList_CheckExact(ahead))
            __builtin_prefetch(((PyListObject *)ahead)->ob_item);
    }
    if (idx + 2 <= last) {
        PyObject *ahead = PyList_GET_ITEM(segs, idx + 2);
        if (PyList_CheckExact(ahead)) {
            Py_ssize_t n = PyList_GET_SIZE(ahead);
            for (Py_ssize_t k = 0; k < n && k < 8; k++)
                __builtin_prefetch(PyList_GET_ITEM(ahead, k));
        }
    }
}

static PyObject *
read_claims(PyObject *self, PyObject *args)
{
    PyObject *segs, *comp, *spec;
    Py_ssize_t start;
    if (!PyArg_ParseTuple(args, "O!nUO:read_claims", &PyList_Type, &segs, &start, &comp, &spec))
        return NULL;
    Spec sp;
    State st;
    PyObject *claims = NULL;
    Py_ssize_t idx;
    memset(&st, 0, sizeof st);
    if (get_spec(spec, &sp) < 0)
        return NULL;
    sp.empty_str = PyUnicode_New(0, 0);
    sp.empty_tuple = PyTuple_New(0);
    Py_ssize_t last = PyList_GET_SIZE(segs) - 1;
    if (start < 1 || start >= last || PyUnicode_GET_LENGTH(comp) == 0 || !sp.empty_str ||
        !sp.empty_tuple) {
        Py_XDECREF(sp.empty_str);
        Py_XDECREF(sp.empty_tuple);
        Py_RETURN_NONE;
    }
    PyObject *first = PyList_GET_ITEM(segs, start);
    if (!PyList_CheckExact(first) || PyList_GET_SIZE(first) == 0)
        goto decline_early;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(first); k++)
        if (!PyUnicode_CheckExact(PyList_GET_ITEM(first, k)))
            goto decline_early;
    claims = PyList_New(0);
    if (claims == NULL || open_claim(&st, first) != OK)
        goto error;
    for (idx = start + 1; idx <= last; idx++) {
        int stop = 0;
        prefetch_ahead(segs, idx, last);
        PyObject *seg = PyList_GET_ITEM(segs, idx);
        /* Each segment a non-empty list of str (checked where it is used), or decline. */
        if (!PyList_CheckExact(seg) || PyList_GET_SIZE(seg) == 0)
            goto decline;
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(seg); k++)
            if (!PyUnicode_CheckExact(PyList_GET_ITEM(seg, k)))
                goto decline;
        int rc = step(&sp, &st, seg, idx == last, comp, claims, &stop);
        if (rc == ERROR)
            goto error;
        if (rc == DECLINE)
            goto decline;
        if (stop)
            break;
    }
    clear_claim(&st);
    Py_DECREF(sp.empty_str);
    Py_DECREF(sp.empty_tuple);
    if (idx > last) { /* cannot happen: the last segment always stops */
        Py_DECREF(claims);
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(Nn)", claims, idx);

decline:
    clear_claim(&st);
    Py_DECREF(claims);
decline_early:
    Py_DECREF(sp.empty_str);
    Py_DECREF(sp.empty_tuple);
    Py_RETURN_NONE;
error:
    clear_claim(&st);
    Py_XDECREF(claims);
    Py_DECREF(sp.empty_str);
    Py_DECREF(sp.empty_tuple);
    return NULL;
}

/* ------------------------------------------------------------------- module */

static PyMethodDef methods[] = {
    {"split_segments", split_segments, METH_VARARGS,
     "split_segments(text, element, terminator) -> (segments, boundaries) | None"},
    {"read_claims", read_claims, METH_VARARGS,
     "read_claims(segments, start, component, spec) -> (claims, stop) | None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_speedups", "C twins of hot X12 reader loops.", -1, methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModule_Create(&module);
}
