/* maker(cls, names, defaults) -> make(*values): a function that makes instances of a slotted
 * class with the slots `names` set from its arguments in that order (the missing last ones
 * from `defaults`), without running __init__: core.types' frozen dataclasses (Sample) at
 * the cost of one allocation. collector.parse.new_sample checks, once, that it makes the
 * same objects as the class itself. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#define MAX_SLOTS 16

/* self: (cls, (offset, ...), defaults) */
static PyObject *make(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyTypeObject *cls = (PyTypeObject *)PyTuple_GET_ITEM(self, 0);
    PyObject *offsets = PyTuple_GET_ITEM(self, 1), *defaults = PyTuple_GET_ITEM(self, 2);
    Py_ssize_t count = PyTuple_GET_SIZE(offsets), ndef = PyTuple_GET_SIZE(defaults);
    if (nargs > count || nargs < count - ndef) {
        PyErr_Format(PyExc_TypeError, "%s takes %zd to %zd values, got %zd", cls->tp_name,
                     count - ndef, count, nargs);
        return NULL;
    }
    PyObject *obj = cls->tp_alloc(cls, 0);
    if (obj == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *value = i < nargs ? args[i] : PyTuple_GET_ITEM(defaults, i - (count - ndef));
        Py_ssize_t at = PyLong_AsSsize_t(PyTuple_GET_ITEM(offsets, i));
        Py_INCREF(value);
        *(PyObject **)((char *)obj + at) = value;
    }
    return obj;
}

static PyMethodDef make_def = {"make", (PyCFunction)(void (*)(void))make, METH_FASTCALL,
                               "make(*values): an instance, its slots set in order."};

static PyObject *maker(PyObject *module, PyObject *args)
{
    PyTypeObject *cls;
    PyObject *names, *defaults;
    if (!PyArg_ParseTuple(args, "O!O!O!", &PyType_Type, &cls, &PyTuple_Type, &names,
                          &PyTuple_Type, &defaults))
        return NULL;
    Py_ssize_t count = PyTuple_GET_SIZE(names), members = 0;
    PyMemberDef *m = cls->tp_members;
    while (m != NULL && m[members].name != NULL)
        members++;
    if (count != members || count > MAX_SLOTS || PyTuple_GET_SIZE(defaults) > count) {
        PyErr_Format(PyExc_TypeError, "%s: %zd names for %zd slots", cls->tp_name, count,
                     members);
        return NULL;
    }
    PyObject *offsets = PyTuple_New(count);
    if (offsets == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        const char *name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(names, i));
        Py_ssize_t k = 0;
        if (name == NULL) {
            Py_DECREF(offsets);
            return NULL;
        }
        while (k < members && strcmp(m[k].name, name) != 0)
            k++;
        if (k == members || m[k].type != T_OBJECT_EX || (m[k].flags & READONLY)) {
            Py_DECREF(offsets);
            PyErr_Format(PyExc_TypeError, "%s has no plain slot %s", cls->tp_name, name);
            return NULL;
        }
        PyTuple_SET_ITEM(offsets, i, PyLong_FromSsize_t(m[k].offset));
    }
    PyObject *self = PyTuple_Pack(3, (PyObject *)cls, offsets, defaults);
    Py_DECREF(offsets);
    if (self == NULL)
        return NULL;
    PyObject *fn = PyCFunction_NewEx(&make_def, self, PyModule_GetNameObject(module));
    Py_DECREF(self);
    return fn;
}

static PyMethodDef methods[] = {
    {"maker", maker, METH_VARARGS,
     "maker(cls, names, defaults) -> make(*values): slotted instances without __init__."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "core._slots", "Slotted instances made in C (see new_sample).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__slots(void) { return PyModule_Create(&module); }
