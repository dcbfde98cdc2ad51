namespace LlmCompiler.IO;

/// <summary>
/// A mutual exclusion between threads and processes: an exclusive OS lock on a file (flock on Unix, share-none on
/// Windows), taken by polling because neither offers a portable blocking open; released by disposing, or by the
/// kernel when the holder dies.
/// </summary>
public static class FileMutex
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    /// <summary>Waits up to <paramref name="wait"/> (then throws <see cref="IOException"/>).</summary>
    public static FileStream Acquire(string path, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                return Open(path);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Poll);
            }
        }
    }

    public static async Task<FileStream> AcquireAsync(string path, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return Open(path);
            }
            catch (IOException)
            {
                await Task.Delay(Poll, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The lock if it is free now, else null.</summary>
    public static FileStream? TryAcquire(string path)
    {
        try
        {
            return Open(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    // FileShare.None is an exclusive flock on Unix and a share-none open on Windows.
    private static FileStream Open(string path) => new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
}
