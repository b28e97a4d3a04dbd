#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs work on a thread of its own with a large stack, and waits for it.
///
/// Compiling rules recurses over each expression's tree; a deep but legal condition (thousands
/// of `and`s) needs more than the 8 MiB of the main thread or the 512 KiB–8 MiB of a pool thread,
/// and a stack overflow is a SIGSEGV that takes the whole server down. The rule compiler bounds
/// depth itself; this is the margin behind that bound, in the server and in its check child alike,
/// so that what the child passes the server also loads.
public enum LargeStack {
    /// The stack of the thread: 64 MiB of address space, touched only as deep as the work goes.
    public static let bytes = 64 << 20

    /// `body`'s result, computed on a new thread with a `bytes` stack (on the calling thread when
    /// no such thread can be made, as before).
    public static func run<T>(_ body: () -> T) -> T {
        var result: T?
        withoutActuallyEscaping(body) { body in
            let work = Work { result = body() }
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            defer { pthread_attr_destroy(&attributes) }
            pthread_attr_setstacksize(&attributes, bytes)
            let context = Unmanaged.passRetained(work).toOpaque()
            #if canImport(Glibc)
            var thread = pthread_t()
            #else
            var thread: pthread_t?
            #endif
            let made = pthread_create(&thread, &attributes, { context in
                Unmanaged<Work>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context)
            if made == 0 {
                #if canImport(Glibc)
                pthread_join(thread, nil)
                #else
                pthread_join(thread!, nil)
                #endif
            } else {
                Unmanaged<Work>.fromOpaque(context).takeRetainedValue().run()
            }
        }
        return result!
    }

    /// The closure handed to the thread through its one pointer argument.
    private final class Work {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }
}
