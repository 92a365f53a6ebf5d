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

int32_t tfmeta_abi_version(void); /* 1 */
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
/* Runs the tfmeta command with argv[1...] and exits the process. */
int32_t tfmeta_main(int32_t argc, const char *const *argv);
#endif
