/* The C ABI of libTFMetaC.so (Sources/TFMetaC/TFMetaC.swift): MetaGraphKit's
 * checkpoint reader and writer for bindings (Python/tfmeta uses it via ctypes).
 *
 * Functions that can fail return 0 on success, 1 when the input or operation
 * failed, 2 for a usage error, and then store in *error a JSON object
 * {"code", "message", "file", ...} (free it with tfmeta_free). Nothing traps on
 * bad input. Everything a handle lends stays valid until tfmeta_close. */
#ifndef TFMETA_H
#define TFMETA_H
#include <stdint.h>

int32_t tfmeta_abi_version(void); /* 3 */
void tfmeta_free(void *p);

/* Any path `tfmeta ckpt` takes: V2 prefix, V1 file/pattern, directory, SavedModel. */
int32_t tfmeta_open(const char *path, void **handle, char **error);
void tfmeta_close(void *handle);
/* tfmeta_open reads only what single lookups need; this decodes the whole index
 * (once). 0, or 1 with the error of a damaged index. count/entry/entries_json
 * decode it on first use too, returning -1/2/NULL when they cannot. */
int32_t tfmeta_load_entries(void *handle, char **error);
int64_t tfmeta_count(void *handle);
/* Entry i (sorted by key): key, dtype name ("float32", ...), rank, dims. */
int32_t tfmeta_entry(void *handle, int64_t i, const char **key, const char **dtype,
                     int32_t *rank, const int64_t **shape);
/* {"format","prefix","metadata":{...},"entries":[{"key","dtype","shape","slices"}]} */
const char *tfmeta_entries_json(void *handle);

/* Raw little-endian bytes of a fixed-size tensor, slices assembled. *owner NULL:
 * the mapped V2 data file's bytes (no copy, valid until close); otherwise a copy,
 * release with tfmeta_free(*owner). check_crc 0 skips a mapped payload's CRC. */
int32_t tfmeta_tensor_bytes(void *handle, const char *key, int64_t key_length, int32_t check_crc,
                            const void **data, int64_t *length, void **owner, char **error);
/* String tensor: *count strings, string i is data[offsets[i] .. offsets[i+1]];
 * release with tfmeta_free((void *)*offsets). */
int32_t tfmeta_tensor_strings(void *handle, const char *key, int64_t key_length, int64_t *count,
                              const int64_t **offsets, const uint8_t **data, char **error);
/* 0 when sound; 1 and a JSON array of error objects in *problems otherwise. */
int32_t tfmeta_verify(void *handle, char **problems);
/* tf.train.list_variables: the entries JSON above in *json (free it). */
int32_t tfmeta_list_variables(const char *path, char **json, char **error);
/* Writes a V2 checkpoint (temporary names, renamed when complete). Array i: keys[i],
 * dtypes[i], ranks[i] dims taken in order from dims, lengths[i] bytes at data[i];
 * a "string" array's bytes are its elements concatenated and string_offsets[i]
 * holds count + 1 offsets (NULL for other dtypes). */
int32_t tfmeta_save(const char *prefix, int32_t shards, int32_t overwrite, int64_t count,
                    const char *const *keys, const char *const *dtypes, const int32_t *ranks,
                    const int64_t *dims, const void *const *data, const int64_t *lengths,
                    const int64_t *const *string_offsets, char **error);
/* The listing as columns, lent until close: {"format","prefix","metadata":{...},
 * "keys":[...],"dtypes":[...],"shapes":[[...],...]} (entry i is element i of each). */
const char *tfmeta_entries_columns(void *handle);
/* tfmeta_tensor_bytes with its results in one struct (one object for a binding
 * to make per call instead of four): same returns; on failure out->error is set. */
typedef struct tfmeta_view {
    const void *data;
    int64_t length;
    void *owner;
    char *error;
} tfmeta_view;
int32_t tfmeta_tensor_view(void *handle, const char *key, int64_t key_length, int32_t check_crc,
                           tfmeta_view *out);

/* Since version 2 (TFMetaC+Columns.swift): what a binding needs to open lazily
 * and to read thousands of small tensors without one call per tensor. */
/* {"format","prefix","metadata":{...}} without listing the checkpoint; lent until close. */
const char *tfmeta_info(void *handle);
/* 1 when the checkpoint has a tensor named key (one index lookup), else 0. */
int32_t tfmeta_contains(void *handle, const char *key, int64_t key_length);
/* TensorFlow's name of DataType number code ("float32", "unknown(99)", ...) copied
 * NUL-terminated into buffer when it fits; returns its length. */
int64_t tfmeta_dtype_name(int32_t code, char *buffer, int64_t capacity);
/* One tensor and its entry in one call (no listing needed). data/length/owner/error
 * as tfmeta_view; length -1 for a string tensor (read it with
 * tfmeta_tensor_strings). dims/dims_capacity are the caller's: the first
 * min(rank, dims_capacity) dimensions are written there. */
typedef struct tfmeta_tensor {
    const void *data;
    int64_t length;
    void *owner;
    char *error;
    int32_t dtype;   /* DataType number */
    int32_t rank;
    int64_t *dims;
    int64_t dims_capacity;
} tfmeta_tensor;
int32_t tfmeta_tensor_get(void *handle, const char *key, int64_t key_length, int32_t check_crc,
                          tfmeta_tensor *out);
/* The listing as packed arrays of count entries (sorted by key), lent until close;
 * decodes a lazily opened index (0, or 1 with the error of a damaged one). */
typedef struct tfmeta_columns {
    int64_t count;
    const char *keys;            /* UTF-8 keys, each followed by a NUL byte */
    const int64_t *key_offsets;  /* count + 1: key i starts at keys + key_offsets[i] */
    const int32_t *dtype_ids;    /* entry i's dtype is element dtype_ids[i] of dtypes_json */
    const char *dtypes_json;     /* the distinct dtype names, a JSON array */
    const int32_t *shape_ids;    /* entry i's shape is element shape_ids[i] of shapes_json */
    const char *shapes_json;     /* the distinct shapes, a JSON array of arrays */
    const int32_t *shards;       /* data file of a V2 tensor stored whole with a fixed-size dtype; -1 otherwise */
    const int64_t *offsets;      /* its offset in that file (unchecked: see tfmeta_check_payloads) */
    const int64_t *sizes;        /* its size in bytes */
} tfmeta_columns;
int32_t tfmeta_columns(void *handle, tfmeta_columns *out, char **error);
/* Checks entries start .. start+count-1 of tfmeta_columns as reading each would
 * (shard, bounds, size, CRC) and maps their data files: ok[i] 1 when entry
 * start+i's bytes at shard/offset/size are the checked tensor, 0 otherwise
 * (read it with tfmeta_tensor_get for its error). 2 before tfmeta_columns. */
int32_t tfmeta_check_payloads(void *handle, int64_t start, int64_t count, uint8_t *ok, char **error);
/* The whole of V2 data file shard, mapped read-only until close. */
int32_t tfmeta_data_file(void *handle, int32_t shard, const void **data, int64_t *length, char **error);

/* Since version 3: 1 when the keys of tfmeta_columns are strictly increasing
 * bytewise, hence distinct (an entry may then be known by its place in the
 * listing); 0 when they are not (a damaged index) or before tfmeta_columns. */
int32_t tfmeta_columns_distinct(void *handle);

/* Runs the tfmeta command with argv[1...] and exits the process. */
int32_t tfmeta_main(int32_t argc, const char *const *argv);
#endif
