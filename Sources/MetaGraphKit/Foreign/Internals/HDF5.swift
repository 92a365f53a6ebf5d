// The one place that calls libhdf5. Reading is contained: the file's structure is
// walked by libhdf5 in a forked child process (libhdf5 is not hardened against
// crafted files), which sends back a catalog of groups, string attributes and
// datasets (type, shape, where the contiguous bytes are). The parent never hands an
// untrusted file to libhdf5; it reads the element bytes itself from its own map of
// the file, after checking them against the file's size. Writing (structures this
// library made) runs libhdf5 in-process.
internal import CHDF5
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum HDF5 {
    /// A dataset's element type as the file declares it.
    struct ElementType: Equatable {
        /// `H5T_class_t` (0 integer, 1 float, 8 enum, …).
        var typeClass: Int32
        var size: Int
        var signed: Bool
        var bigEndian: Bool
    }

    /// One dataset of a file.
    struct Dataset {
        var path: String
        var type: ElementType
        /// Empty for a scalar.
        var shape: [Int]
        /// Where the contiguous element bytes start in the file; nil when the
        /// dataset has no storage yet or is not stored contiguously.
        var offset: Int?
        /// Bytes allocated in the file for the elements.
        var storageSize: Int
        /// The elements, read by the child, for compact or chunked (small) datasets.
        var inlineBytes: [UInt8]?
        /// Why the elements cannot be read, when they cannot.
        var unreadable: String?
        var attributes: [(String, String)]
    }

    /// One group and its string attributes.
    struct Group {
        var path: String
        var attributes: [(String, String)]
    }

    struct Catalog {
        var groups: [Group] = []
        var datasets: [Dataset] = []
    }

    /// The 8 bytes every HDF5 superblock starts with.
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]

    /// Limits on what the child reports, so that no catalog is sized by the file.
    static let maxObjects = 1_000_000
    static let maxDepth = 64
    static let maxRank = 32
    static let maxAttributeBytes = 1 << 16
    static let maxInlineBytes = 64 << 20
    static let maxCatalogBytes = 512 << 20
    /// CPU seconds the contained reader may spend on a file of `size` bytes. Its walk
    /// reads the structure and at most 64 MiB of inline data per dataset: milliseconds
    /// on real files. A crafted file that sends libhdf5 into a loop (the `keras`
    /// fuzzer found one: two bytes changed in a 17 KB weights file) is stopped here
    /// within seconds, not minutes.
    static func childCPUSeconds(forSize size: Int) -> rlim_t { rlim_t(min(120, 5 + size / (16 << 20))) }
    /// Wall-clock seconds before the child is killed (it may wait for the disk).
    static func childWallSeconds(forSize size: Int) -> Double { Double(childCPUSeconds(forSize: size)) * 2 + 10 }

    /// Held around every in-process use of libhdf5 and around the fork.
    static let lock = NSLock()

    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    // MARK: - Reading (in a child process)

    /// Walks `path` with libhdf5 in a child process and returns its catalog.
    ///
    /// - Parameters:
    ///   - path: The HDF5 file (opened by the child).
    ///   - name: How messages name the file.
    static func catalog(path: String, name: String) throws -> Catalog {
        var info = stat()
        let size = stat(path, &info) == 0 ? Int(info.st_size) : 0
        let cpuSeconds = childCPUSeconds(forSize: size)
        let wallSeconds = childWallSeconds(forSize: size)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw MetaGraphKitError(.io, "\(name): cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        // libhdf5 (a thread-safe build) keeps one global lock: a fork while another
        // thread of ours holds it would leave the child waiting forever.
        lock.lock()
        let pid = fork()
        if pid != 0 { lock.unlock() }
        if pid < 0 {
            close(fds[0]); close(fds[1])
            throw MetaGraphKitError(.io, "\(name): cannot fork to read HDF5: \(String(cString: strerror(errno)))")
        }
        if pid == 0 {
            close(fds[0])
            // The host's interrupt handlers clean up the host's outputs; the child has
            // none, and must die with a signal rather than outlive a killed parent.
            signal(SIGTERM, SIG_DFL)
            signal(SIGINT, SIG_DFL)
            signal(SIGHUP, SIG_DFL)
            // A crash of libhdf5 here is expected on crafted files and reported by the
            // parent ("signal N in the contained reader"): no crash report from the
            // Swift runtime's backtracer on the user's terminal.
            for s in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { signal(s, SIG_DFL) }
            var limit = rlimit(rlim_cur: cpuSeconds, rlim_max: cpuSeconds)
            _ = setrlimit(Int32(RLIMIT_CPU.rawValue), &limit)
            var out = CatalogWriter()
            do {
                try walk(path: path, into: &out)
                out.bytes.insert(UInt8(ascii: "K"), at: 0)
            } catch let e as WalkError {
                out = CatalogWriter()
                out.bytes = [UInt8(ascii: "E")]
                out.string(e.message)
            } catch {}
            out.bytes.withUnsafeBytes { b in
                var done = 0
                while done < b.count {
                    let n = write(fds[1], b.baseAddress! + done, b.count - done)
                    if n <= 0 { break }
                    done += n
                }
            }
            _exit(0)
        }
        close(fds[1])
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var overflow = false
        var timedOut = false
        let deadline = monotonicSeconds() + wallSeconds
        while true {
            // A child that blocks (libhdf5 locked by a thread of the host program at
            // the fork) is killed at the deadline instead of hanging the caller.
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let left = deadline - monotonicSeconds()
            if left <= 0 { timedOut = true; break }
            let r = poll(&p, 1, Int32(min(left, 1.0) * 1000))
            if r < 0, errno == EINTR { continue }
            if r == 0 { continue }
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress!, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            if received.count + n > maxCatalogBytes { overflow = true; break }
            received.append(contentsOf: chunk[..<n])
        }
        close(fds[0])
        if overflow || timedOut { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        if timedOut {
            throw MetaGraphKitError(.io, "\(name): the contained HDF5 reader did not finish within \(Int(wallSeconds)) s")
        }
        if overflow {
            throw MetaGraphKitError(.tooLarge, "\(name): the HDF5 structure is larger than \(maxCatalogBytes >> 20) MiB of names and attributes")
        }
        let signaled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        if signaled {
            let signal = status & 0x7f
            throw MetaGraphKitError(.corrupt,
                "\(name): damaged HDF5 file: libhdf5 failed reading its structure (signal \(signal) in the contained reader"
                    + (signal == SIGKILL || signal == SIGXCPU ? ", stopped at its limit of \(cpuSeconds) s of CPU)" : ")"))
        }
        var reader = CatalogReader(bytes: received, name: name)
        return try reader.catalog()
    }

    struct WalkError: Error { var message: String }

    /// Runs in the child: opens the file and records every object.
    private static func walk(path: String, into out: inout CatalogWriter) throws {
        H5Eset_auto2(mgk_h5e_default(), nil, nil)
        guard H5Fis_hdf5(path) > 0 else { throw WalkError(message: "not an HDF5 file (no HDF5 superblock)") }
        let fapl = H5Pcreate(mgk_h5p_file_access())
        defer { H5Pclose(fapl) }
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
        let file = H5Fopen(path, mgk_h5f_acc_rdonly(), fapl)
        guard file >= 0 else { throw WalkError(message: "damaged HDF5 file: libhdf5 cannot open it") }
        defer { H5Fclose(file) }
        let root = H5Gopen2(file, "/", mgk_h5p_default())
        guard root >= 0 else { throw WalkError(message: "damaged HDF5 file: no root group") }
        defer { H5Gclose(root) }
        var count = 0
        try walkGroup(root, path: "", depth: 0, count: &count, into: &out)
    }

    private static func walkGroup(_ group: hid_t, path: String, depth: Int, count: inout Int,
                                  into out: inout CatalogWriter) throws {
        guard depth < maxDepth else { throw WalkError(message: "groups nest deeper than \(maxDepth) at \(path)") }
        out.byte(UInt8(ascii: "G"))
        out.string(path)
        try writeAttributes(group, path: path, into: &out)
        var info = H5G_info_t()
        guard H5Gget_info(group, &info) >= 0 else { throw WalkError(message: "damaged group \(path.isEmpty ? "/" : path)") }
        var index: hsize_t = 0
        while index < info.nlinks {
            count += 1
            guard count <= maxObjects else { throw WalkError(message: "more than \(maxObjects) objects") }
            var nameBuffer = [CChar](repeating: 0, count: 1024)
            let n = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, &nameBuffer, 1024, mgk_h5p_default())
            guard n > 0, n < 1024 else { throw WalkError(message: "damaged link \(index) in group \(path.isEmpty ? "/" : path)") }
            let linkName = String(decoding: nameBuffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let child = path.isEmpty ? linkName : path + "/" + linkName
            let hard = mgk_link_is_hard(group, linkName)
            guard hard >= 0 else { throw WalkError(message: "damaged link \(child)") }
            guard hard == 1 else {
                throw WalkError(message: "\(child) is a soft or external link; only plain groups and datasets are read")
            }
            let object = H5Oopen(group, linkName, mgk_h5p_default())
            guard object >= 0 else { throw WalkError(message: "damaged object \(child)") }
            defer { H5Oclose(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: try walkGroup(object, path: child, depth: depth + 1, count: &count, into: &out)
            case H5I_DATASET: try writeDataset(object, path: child, into: &out)
            default: break   // named datatypes are not data
            }
            index += 1
        }
    }

    private static func writeAttributes(_ object: hid_t, path: String, into out: inout CatalogWriter) throws {
        var found: [(String, String)] = []
        var index: hsize_t = 0
        while index < 256 {
            let attr = H5Aopen_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, index, mgk_h5p_default(), mgk_h5p_default())
            if attr < 0 { break }
            defer { H5Aclose(attr) }
            index += 1
            var nameBuffer = [CChar](repeating: 0, count: 256)
            let n = H5Aget_name(attr, 256, &nameBuffer)
            guard n > 0, n < 256 else { continue }
            let attrName = String(decoding: nameBuffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let value = stringAttribute(attr) { found.append((attrName, value)) }
        }
        out.int(found.count)
        for (k, v) in found { out.string(k); out.string(v) }
    }

    /// A scalar string attribute's value; nil for any other attribute.
    private static func stringAttribute(_ attr: hid_t) -> String? {
        let type = H5Aget_type(attr)
        guard type >= 0 else { return nil }
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_STRING else { return nil }
        let space = H5Aget_space(attr)
        guard space >= 0 else { return nil }
        defer { H5Sclose(space) }
        guard H5Sget_simple_extent_npoints(space) == 1 else { return nil }
        if H5Tis_variable_str(type) > 0 {
            let memType = H5Tcopy(mgk_h5t_c_s1())
            defer { H5Tclose(memType) }
            H5Tset_size(memType, mgk_h5t_variable())
            H5Tset_cset(memType, H5Tget_cset(type))
            var pointer: UnsafeMutablePointer<CChar>? = nil
            guard H5Aread(attr, memType, &pointer) >= 0, let pointer else { return nil }
            defer { H5free_memory(pointer) }
            guard strnlen(pointer, maxAttributeBytes) < maxAttributeBytes else { return nil }
            return String(cString: pointer)
        }
        let size = H5Tget_size(type)
        guard size > 0, size <= maxAttributeBytes else { return nil }
        var buffer = [UInt8](repeating: 0, count: size + 1)
        guard H5Aread(attr, type, &buffer) >= 0 else { return nil }
        let end = buffer.firstIndex(of: 0) ?? size
        return String(decoding: buffer[..<end], as: UTF8.self)
    }

    private static func writeDataset(_ dataset: hid_t, path: String, into out: inout CatalogWriter) throws {
        out.byte(UInt8(ascii: "D"))
        out.string(path)
        try writeAttributes(dataset, path: path, into: &out)
        let type = H5Dget_type(dataset)
        guard type >= 0 else { throw WalkError(message: "damaged datatype of \(path)") }
        defer { H5Tclose(type) }
        var elementClass = H5Tget_class(type).rawValue
        var size = H5Tget_size(type)
        var signed = H5Tget_sign(type) == H5T_SGN_2
        var order = H5Tget_order(type)
        if elementClass == H5T_ENUM.rawValue {
            let base = H5Tget_super(type)
            if base >= 0 {
                size = H5Tget_size(base); signed = H5Tget_sign(base) == H5T_SGN_2; order = H5Tget_order(base)
                H5Tclose(base)
            } else { elementClass = -1 }
        }
        out.int(Int(elementClass)); out.int(size); out.byte(signed ? 1 : 0); out.byte(order == H5T_ORDER_BE ? 1 : 0)
        let space = H5Dget_space(dataset)
        guard space >= 0 else { throw WalkError(message: "damaged dataspace of \(path)") }
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0, rank <= maxRank else { throw WalkError(message: "\(path) has an unreadable rank") }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        if rank > 0 { guard H5Sget_simple_extent_dims(space, &dims, nil) == rank else { throw WalkError(message: "damaged dataspace of \(path)") } }
        let isNull = H5Sget_simple_extent_type(space) == H5S_NULL
        out.int(rank)
        for d in dims.prefix(rank) { out.int(d > hsize_t(Int.max) ? -1 : Int(d)) }
        let dcpl = H5Dget_create_plist(dataset)
        guard dcpl >= 0 else { throw WalkError(message: "damaged creation properties of \(path)") }
        defer { H5Pclose(dcpl) }
        let layout = H5Pget_layout(dcpl)
        let filters = H5Pget_nfilters(dcpl)
        let external = H5Pget_external_count(dcpl)
        let storage = Int(clamping: H5Dget_storage_size(dataset))
        var unreadable: String? = nil
        if isNull { unreadable = "has a null dataspace" }
        else if external != 0 { unreadable = "stores its data in external files" }
        else if layout == H5D_VIRTUAL { unreadable = "is a virtual dataset" }
        // Offsets: contiguous without filters; anything else is read here, within a cap.
        var offset = -1
        var inline: [UInt8]? = nil
        if unreadable == nil, layout == H5D_CONTIGUOUS, filters == 0 {
            let a = H5Dget_offset(dataset)
            if a != mgk_haddr_undef(), a <= haddr_t(Int.max) { offset = Int(a) }
        } else if unreadable == nil {
            var elements = 1
            var overflow = false
            for d in dims.prefix(rank) {
                let (m, o) = elements.multipliedReportingOverflow(by: Int(clamping: d)); elements = m; overflow = overflow || o
            }
            let (bytes, o2) = elements.multipliedReportingOverflow(by: size)
            if overflow || o2 || bytes > maxInlineBytes {
                unreadable = "is stored \(layout == H5D_CHUNKED ? "in chunks" : "compact") and larger than \(maxInlineBytes >> 20) MiB"
            } else if elementClass == H5T_INTEGER.rawValue || elementClass == H5T_FLOAT.rawValue || elementClass == H5T_ENUM.rawValue {
                var buffer = [UInt8](repeating: 0, count: max(bytes, 1))
                if H5Dread(dataset, type, mgk_h5s_all(), mgk_h5s_all(), mgk_h5p_default(), &buffer) >= 0 {
                    inline = Array(buffer.prefix(bytes))
                } else {
                    unreadable = "cannot be read (damaged chunks or an unavailable filter)"
                }
            }
        }
        out.int(offset); out.int(storage)
        if let inline { out.byte(1); out.bytes(inline) } else { out.byte(0) }
        if let unreadable { out.byte(1); out.string(unreadable) } else { out.byte(0) }
    }

    /// The child's output: tagged records of length-prefixed fields.
    struct CatalogWriter {
        var bytes: [UInt8] = []
        mutating func byte(_ b: UInt8) { bytes.append(b) }
        mutating func int(_ v: Int) { withUnsafeBytes(of: Int64(v).littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func bytes(_ b: [UInt8]) { int(b.count); bytes.append(contentsOf: b) }
        mutating func string(_ s: String) { bytes(Array(s.utf8)) }
    }

    /// Parses the child's output; every field is bounds-checked (the child may have
    /// been cut off).
    struct CatalogReader {
        let bytes: [UInt8]
        let name: String
        var at = 0

        init(bytes: [UInt8], name: String) { self.bytes = bytes; self.name = name }

        private func bad() -> MetaGraphKitError {
            MetaGraphKitError(.corrupt, "\(name): damaged HDF5 file: the contained reader stopped before the end of its structure")
        }
        mutating func byte() throws -> UInt8 {
            guard at < bytes.count else { throw bad() }
            at += 1
            return bytes[at - 1]
        }
        mutating func int() throws -> Int {
            guard bytes.count - at >= 8 else { throw bad() }
            var v: Int64 = 0
            for i in 0..<8 { v |= Int64(bytes[at + i]) << (8 * i) }
            at += 8
            return Int(v)
        }
        mutating func data() throws -> [UInt8] {
            let n = try int()
            guard n >= 0, bytes.count - at >= n else { throw bad() }
            at += n
            return Array(bytes[(at - n)..<at])
        }
        mutating func string() throws -> String { String(decoding: try data(), as: UTF8.self) }
        mutating func attributes() throws -> [(String, String)] {
            let n = try int()
            guard n >= 0, n <= 256 else { throw bad() }
            var out: [(String, String)] = []
            for _ in 0..<n { out.append((try string(), try string())) }
            return out
        }

        mutating func catalog() throws -> Catalog {
            guard let tag = bytes.first else { throw bad() }
            at = 1
            if tag == UInt8(ascii: "E") {
                throw MetaGraphKitError(.corrupt, "\(name): \(try string())")
            }
            guard tag == UInt8(ascii: "K") else { throw bad() }
            var catalog = Catalog()
            while at < bytes.count {
                let kind = try byte()
                let path = try string()
                let attributes = try attributes()
                if kind == UInt8(ascii: "G") {
                    catalog.groups.append(Group(path: path, attributes: attributes))
                    continue
                }
                guard kind == UInt8(ascii: "D") else { throw bad() }
                let type = ElementType(typeClass: Int32(truncatingIfNeeded: try int()), size: try int(),
                                       signed: try byte() == 1, bigEndian: try byte() == 1)
                let rank = try int()
                guard rank >= 0, rank <= maxRank else { throw bad() }
                var shape: [Int] = []
                for _ in 0..<rank { shape.append(try int()) }
                let offset = try int()
                let storage = try int()
                let inline = try byte() == 1 ? try data() : nil
                let unreadable = try byte() == 1 ? try string() : nil
                catalog.datasets.append(Dataset(path: path, type: type, shape: shape, offset: offset >= 0 ? offset : nil,
                                                storageSize: storage, inlineBytes: inline, unreadable: unreadable,
                                                attributes: attributes))
            }
            return catalog
        }
    }

    // MARK: - Writing (in-process, structures this library made)

    /// A dataset to create: its elements are written afterwards at the returned offset.
    struct NewDataset {
        var path: String
        var dtype: DType
        var shape: [Int]
        var attributes: [(String, String)]
    }

    /// Creates an HDF5 file at `path` (which must exist, empty: the caller's
    /// temporary) with `groups` (parents first) and `datasets`, each contiguous and
    /// allocated but unfilled. Returns each dataset's element offset (nil for an
    /// empty one); the caller writes the elements there after this returns.
    static func create(path: String, groups: [Group], datasets: [NewDataset]) throws -> [Int?] {
        lock.lock()
        defer { lock.unlock() }
        H5Eset_auto2(mgk_h5e_default(), nil, nil)
        func fail(_ what: String) -> MetaGraphKitError {
            MetaGraphKitError(.io, "\(path): libhdf5 could not \(what)")
        }
        let file = H5Fcreate(path, mgk_h5f_acc_trunc(), mgk_h5p_default(), mgk_h5p_default())
        guard file >= 0 else { throw fail("create the file") }
        var closed = false
        defer { if !closed { H5Fclose(file) } }
        for group in groups {
            let g: hid_t
            if group.path.isEmpty {
                g = H5Gopen2(file, "/", mgk_h5p_default())
            } else if H5Lexists(file, group.path, mgk_h5p_default()) > 0 {
                g = H5Gopen2(file, group.path, mgk_h5p_default())
            } else {
                g = H5Gcreate2(file, group.path, mgk_h5p_default(), mgk_h5p_default(), mgk_h5p_default())
            }
            guard g >= 0 else { throw fail("create group \(group.path)") }
            defer { H5Gclose(g) }
            try writeStringAttributes(g, group.attributes, file: path, object: group.path)
        }
        var offsets: [Int?] = []
        for d in datasets {
            guard let type = fileType(d.dtype) else {
                throw MetaGraphKitError(.unsupported, "\(path): \(d.path): Keras files cannot hold \(d.dtype.name) tensors here")
            }
            defer { H5Tclose(type) }
            let space: hid_t
            if d.shape.isEmpty {
                space = H5Screate(H5S_SCALAR)
            } else {
                let dims = d.shape.map { hsize_t($0) }
                space = H5Screate_simple(Int32(dims.count), dims, nil)
            }
            guard space >= 0 else { throw fail("create the dataspace of \(d.path)") }
            defer { H5Sclose(space) }
            let dcpl = H5Pcreate(mgk_h5p_dataset_create())
            defer { H5Pclose(dcpl) }
            H5Pset_layout(dcpl, H5D_CONTIGUOUS)
            H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY)
            H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER)
            let ds = H5Dcreate2(file, d.path, type, space, mgk_h5p_default(), dcpl, mgk_h5p_default())
            guard ds >= 0 else { throw fail("create dataset \(d.path)") }
            defer { H5Dclose(ds) }
            try writeStringAttributes(ds, d.attributes, file: path, object: d.path)
            let a = H5Dget_offset(ds)
            offsets.append(a == mgk_haddr_undef() ? nil : Int(a))
        }
        closed = true
        guard H5Fclose(file) >= 0 else { throw fail("close the file") }
        return offsets
    }

    /// Variable-length UTF-8 scalar string attributes, as h5py writes a `str`.
    private static func writeStringAttributes(_ object: hid_t, _ attributes: [(String, String)], file: String, object name: String) throws {
        for (key, value) in attributes {
            let type = H5Tcopy(mgk_h5t_c_s1())
            defer { H5Tclose(type) }
            H5Tset_size(type, mgk_h5t_variable())
            H5Tset_cset(type, H5T_CSET_UTF8)
            let space = H5Screate(H5S_SCALAR)
            defer { H5Sclose(space) }
            let attr = H5Acreate2(object, key, type, space, mgk_h5p_default(), mgk_h5p_default())
            guard attr >= 0 else { throw MetaGraphKitError(.io, "\(file): libhdf5 could not create attribute \(key) of \(name)") }
            defer { H5Aclose(attr) }
            let ok = value.withCString { c -> Bool in
                var p: UnsafePointer<CChar>? = c
                return H5Awrite(attr, type, &p) >= 0
            }
            guard ok else { throw MetaGraphKitError(.io, "\(file): libhdf5 could not write attribute \(key) of \(name)") }
        }
    }

    /// The little-endian file type h5py uses for a numpy array of `dtype`.
    private static func fileType(_ dtype: DType) -> hid_t? {
        switch dtype.base {
        case .float32: return H5Tcopy(mgk_h5t_ieee_f32le())
        case .float64: return H5Tcopy(mgk_h5t_ieee_f64le())
        case .float16:
            // h5py's float16: IEEE half, little-endian.
            let t = H5Tcopy(mgk_h5t_ieee_f32le())
            H5Tset_fields(t, 15, 10, 5, 0, 10)
            H5Tset_size(t, 2)
            H5Tset_ebias(t, 15)
            return t
        case .int8: return H5Tcopy(mgk_h5t_std_i8le())
        case .int16: return H5Tcopy(mgk_h5t_std_i16le())
        case .int32: return H5Tcopy(mgk_h5t_std_i32le())
        case .int64: return H5Tcopy(mgk_h5t_std_i64le())
        case .uint8: return H5Tcopy(mgk_h5t_std_u8le())
        case .uint16: return H5Tcopy(mgk_h5t_std_u16le())
        case .uint32: return H5Tcopy(mgk_h5t_std_u32le())
        case .uint64: return H5Tcopy(mgk_h5t_std_u64le())
        case .bool:
            // h5py's bool: an int8 enum FALSE = 0, TRUE = 1.
            let t = H5Tenum_create(mgk_h5t_native_int8())
            var f: Int8 = 0, tr: Int8 = 1
            H5Tenum_insert(t, "FALSE", &f)
            H5Tenum_insert(t, "TRUE", &tr)
            return t
        default: return nil
        }
    }
}
