namespace LlmCompiler.IO;

/// <summary>
/// Replaces a file so that a reader (or a crash) sees the old bytes or the new bytes, never a mix: write a temp
/// file in the same directory (same filesystem, so the rename is atomic), fsync it, then rename over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>Mode for files that did not exist: rw-r--r--.</summary>
    public const UnixFileMode NewFileMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content)
    {
        var temp = Stage(path, content);
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            Discard(temp);
            throw;
        }
    }

    public static void WriteAllText(string path, string content) => WriteAllBytes(path, Utf8NoBom.GetBytes(content));

    /// <summary>
    /// Writes <paramref name="content"/> to a flushed temp file beside <paramref name="path"/> (with the mode the
    /// target will have) and returns the temp path. Renaming it over the target is the caller's commit point, so a
    /// caller can stage several files and rename them only once all were written.
    /// </summary>
    public static string Stage(string path, string content) => Stage(path, Utf8NoBom.GetBytes(content));

    public static string Stage(string path, ReadOnlySpan<byte> content)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        // Short fixed-length name: the target's own name may already be at the 255-byte segment limit.
        var temp = Path.Combine(directory, $".llmc-{Guid.NewGuid():N}.tmp");
        UnixFileMode? mode = null;
        if (!OperatingSystem.IsWindows())
        {
            // Keep an existing file's mode (an executable script stays executable); new files get 0644.
            mode = File.Exists(path) ? File.GetUnixFileMode(path) : NewFileMode;
        }
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (mode is { } m && !OperatingSystem.IsWindows()) options.UnixCreateMode = m;
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            // UnixCreateMode is filtered by the umask; set the exact mode explicitly.
            if (mode is { } exact && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, exact);
        }
        catch
        {
            Discard(temp);
            throw;
        }
        return temp;
    }

    /// <summary>Removes a staged temp file that was not committed; best effort (a stray dot-file is harmless).</summary>
    public static void Discard(string temp)
    {
        try
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static readonly System.Text.UTF8Encoding Utf8NoBom = new(false);
}
