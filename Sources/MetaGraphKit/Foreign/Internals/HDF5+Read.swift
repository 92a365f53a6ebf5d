// Reading an HDF5 file's catalog: libhdf5 walks it in a forked child, under CPU,
// time and size limits, and sends the catalog back over a pipe (see HDF5.swift).
internal import CHDF5
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HDF5 {
    /// Walks `path` with libhdf5 in a child process and returns its catalog.
    ///
    /// - Parameters:
    ///   - path: The HDF5 file (opened by the child).
    ///   - name: How messages name the file.
    static func catalog(path: String, name: String) throws -> Catalog {
        try load(name)
        var info = stat()
        let size = stat(path, &info) == 0 ? Int(info.st_size) : 0
        let cpuSeconds = childCPUSeconds(forSize: size)
        let wallSeconds = childWallSeconds(forSize: size)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw MetaGraphKitError.system("cannot create a pipe", path: name, errno: .current)
        }
        // libhdf5 (a thread-safe build) keeps one global lock: a fork while another
        // thread of ours holds it would leave the child waiting forever.
        lock.lock()
        let pid = fork()
        if pid != 0 { lock.unlock() }
        if pid < 0 {
            close(fds[0]); close(fds[1])
            throw MetaGraphKitError.system("cannot fork to read HDF5", path: name, errno: .current)
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
                try walk(path: path, pipe: fds[1], into: &out)
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
            throw MetaGraphKitError.tooLarge(name, "the HDF5 structure is larger than \(maxCatalogBytes >> 20) MiB of names and attributes")
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

    /// Why the object header at `address` cannot be handed to libhdf5 (a chunk past
    /// the end of the file, a damaged string attribute), or nil.
    private static func headerProblem(fd: Int32, address: haddr_t) -> String? {
        var why = [CChar](repeating: 0, count: 512)
        guard mgk_h5_check_string_attributes(fd, address, &why, why.count) < 0 else { return nil }
        return why.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// What a process confined as the contained reader is (`mgk_h5_confine`) can still
    /// do, for the tests: a forked child confines itself, tries to open `path` and to
    /// create a socket, reports the errno of each, then tries to run `/bin/true`.
    /// Returns nil when the child could not be started or said nothing.
    static func confinementProbe(opening path: String) -> ConfinementProbe? {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        let pid = fork()
        if pid < 0 { close(fds[0]); close(fds[1]); return nil }
        if pid == 0 {
            close(fds[0])
            var report: [Int32] = [mgk_h5_confine(fds[1]) == 0 ? 1 : 0, 0, 0]
            let f = open(path, O_RDONLY)
            report[1] = f >= 0 ? 0 : errno
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            report[2] = s >= 0 ? 0 : errno
            _ = report.withUnsafeBytes { write(fds[1], $0.baseAddress!, $0.count) }
            close(fds[1])
            execv("/bin/true", [strdup("true"), nil])
            _exit(3)
        }
        close(fds[1])
        var report: [Int32] = [0, 0, 0]
        let n = report.withUnsafeMutableBytes { read(fds[0], $0.baseAddress!, $0.count) }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        guard n == 12 else { return nil }
        let signaled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        return ConfinementProbe(confined: report[0] == 1, openErrno: report[1], socketErrno: report[2],
                                execSignal: signaled ? status & 0x7f : 0,
                                unavailable: mgk_h5_confinement_is_off() != 0)
    }

    struct ConfinementProbe {
        /// The filter was installed.
        var confined: Bool
        var openErrno: Int32
        var socketErrno: Int32
        /// The signal that ended the child on `execv` (0: it ran or failed).
        var execSignal: Int32
        /// The filter is off by design (an AddressSanitizer build).
        var unavailable: Bool
    }

    /// The child's first wall: each object's string attributes (their heap ids, and
    /// the global heap collection each names), checked by our own code on the file's
    /// bytes before libhdf5 reads one of them. libhdf5 1.10.8 copies an object larger
    /// than its collection from past the collection's end (`memcpy` in `H5HG_read`;
    /// the `keras` fuzzer found it), and looks a heap index up without checking it.
    /// Only collections a string names are checked: libhdf5 reads no other, and
    /// tensor bytes that happen to look like one must not fail a sound file.
    final class Walls {
        let fd: Int32
        init(fd: Int32) { self.fd = fd }

        /// Whether libhdf5 may read `object`'s variable-length string attributes:
        /// true when our own reading of its header found every one sound, false when
        /// the header stores them where we do not look (dense attribute storage,
        /// shared messages: then they are not read); throws when one is damaged.
        func stringAttributesAreSound(_ object: hid_t, path: String) throws -> Bool {
            var why = [CChar](repeating: 0, count: 512)
            switch mgk_h5_check_string_attributes(fd, mgk_object_header_address(object), &why, why.count) {
            case 0: return true
            case 1: return false
            default:
                let text = why.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                throw WalkError(message: "damaged HDF5 file: \(path.isEmpty ? "/" : path): \(text)")
            }
        }
    }

    /// Runs in the child: opens the file and records every object. Once libhdf5 has
    /// the file open, the child confines itself (`mgk_h5_confine`: no more opening
    /// files, no exec, no sockets; writing to `pipe` only).
    private static func walk(path: String, pipe: Int32, into out: inout CatalogWriter) throws {
        H5Eset_auto2(mgk_h5e_default(), nil, nil)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw WalkError(message: "cannot open it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var why = [CChar](repeating: 0, count: 512)
        guard mgk_h5_check_local_heaps(fd, &why, why.count) == 0 else {
            let text = why.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw WalkError(message: "damaged HDF5 file: \(text)")
        }
        // libhdf5 allocates an object header's chunks at the sizes the file gives
        // (2^50 bytes on a file the keras fuzzer made): each header is checked first,
        // the root's here, every other one before H5Oopen.
        if let problem = headerProblem(fd: fd, address: mgk_h5_root_header_address(fd)) {
            throw WalkError(message: "damaged HDF5 file: the root group: \(problem)")
        }
        guard H5Fis_hdf5(path) > 0 else { throw WalkError(message: "not an HDF5 file (no HDF5 superblock)") }
        let fapl = H5Pcreate(mgk_h5p_file_access())
        defer { H5Pclose(fapl) }
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
        let file = H5Fopen(path, mgk_h5f_acc_rdonly(), fapl)
        guard file >= 0 else { throw WalkError(message: "damaged HDF5 file: libhdf5 cannot open it") }
        defer { H5Fclose(file) }
        // Where seccomp is unavailable (another kernel or architecture, an ASan
        // build) the read goes on, contained by the process and its limits alone.
        _ = mgk_h5_confine(pipe)
        let root = H5Gopen2(file, "/", mgk_h5p_default())
        guard root >= 0 else { throw WalkError(message: "damaged HDF5 file: no root group") }
        defer { H5Gclose(root) }
        var count = 0
        try walkGroup(root, path: "", depth: 0, count: &count, walls: Walls(fd: fd), into: &out)
    }

    private static func walkGroup(_ group: hid_t, path: String, depth: Int, count: inout Int, walls: Walls,
                                  into out: inout CatalogWriter) throws {
        guard depth < maxDepth else { throw WalkError(message: "groups nest deeper than \(maxDepth) at \(path)") }
        out.byte(UInt8(ascii: "G"))
        out.string(path)
        try writeAttributes(group, path: path, walls: walls, into: &out)
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
            if let problem = headerProblem(fd: walls.fd, address: mgk_link_address(group, linkName)) {
                throw WalkError(message: "damaged HDF5 file: \(child): \(problem)")
            }
            let object = H5Oopen(group, linkName, mgk_h5p_default())
            guard object >= 0 else { throw WalkError(message: "damaged object \(child)") }
            defer { H5Oclose(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: try walkGroup(object, path: child, depth: depth + 1, count: &count, walls: walls, into: &out)
            case H5I_DATASET: try writeDataset(object, path: child, walls: walls, into: &out)
            default: break   // named datatypes are not data
            }
            index += 1
        }
    }

    private static func writeAttributes(_ object: hid_t, path: String, walls: Walls,
                                        into out: inout CatalogWriter) throws {
        var found: [(String, String)] = []
        var sound: Bool? = nil
        let stringsAreSound = { () throws -> Bool in
            if let sound { return sound }
            let answer = try walls.stringAttributesAreSound(object, path: path)
            sound = answer
            return answer
        }
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
            if let value = try stringAttribute(attr, stringsAreSound: stringsAreSound) { found.append((attrName, value)) }
        }
        out.int(found.count)
        for (k, v) in found { out.string(k); out.string(v) }
    }

    /// A scalar string attribute's value; nil for any other attribute.
    private static func stringAttribute(_ attr: hid_t, stringsAreSound: () throws -> Bool) throws -> String? {
        let type = H5Aget_type(attr)
        guard type >= 0 else { return nil }
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_STRING else { return nil }
        let space = H5Aget_space(attr)
        guard space >= 0 else { return nil }
        defer { H5Sclose(space) }
        guard H5Sget_simple_extent_npoints(space) == 1 else { return nil }
        if H5Tis_variable_str(type) > 0 {
            guard try stringsAreSound() else { return nil }
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

    private static func writeDataset(_ dataset: hid_t, path: String, walls: Walls,
                                     into out: inout CatalogWriter) throws {
        out.byte(UInt8(ascii: "D"))
        out.string(path)
        try writeAttributes(dataset, path: path, walls: walls, into: &out)
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
            MetaGraphKitError.corrupt(name, "damaged HDF5 file: the contained reader stopped before the end of its structure")
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
                throw MetaGraphKitError.corrupt(name, "\(try string())")
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
}
