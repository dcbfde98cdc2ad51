namespace LlmCompiler.IO;

/// <summary>A file of the tool's own state (run folder, journal, ledger, lock) that is not what it must be.</summary>
public sealed class ToolStateException(string message) : IOException(message);

/// <summary>
/// Reading inputs and writing the tool's own state without being tricked by the file system: inputs must be regular
/// files (a FIFO or <c>/dev/zero</c> would hang or exhaust memory) and are read with a bound; the tool's state
/// folders are walked without following links, so a committed <c>.llmc</c> symlink cannot redirect an artifact.
/// </summary>
public static class SafeFile
{
    /// <summary>
    /// Reads <paramref name="path"/> (a link to a regular file is followed, as users expect for inputs) when it is a
    /// regular file of at most <paramref name="maxBytes"/>; otherwise returns the one-line reason.
    /// </summary>
    public static bool TryReadInput(string path, long maxBytes, out byte[] bytes, out string? error)
    {
        bytes = [];
        var kind = FileKinds.OfTarget(path);
        if (kind != FileKind.Regular)
        {
            error = $"cannot read '{path}': it {FileKinds.Describe(kind)}";
            return false;
        }
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    error = $"'{path}' is larger than {maxBytes:N0} bytes";
                    return false;
                }
                buffer.Write(chunk, 0, read);
            }
            bytes = buffer.ToArray();
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read '{path}': {ex.Message}";
            return false;
        }
    }

    /// <summary>Text of a regular file of at most <paramref name="maxBytes"/>, or null (missing, special, too big, unreadable).</summary>
    public static string? ReadTextOrNull(string path, long maxBytes)
    {
        if (FileKinds.Of(path) != FileKind.Regular) return null;
        return TryReadInput(path, maxBytes, out var bytes, out _) ? new System.Text.UTF8Encoding(false).GetString(bytes) : null;
    }

    /// <summary>
    /// Checks that every component of <paramref name="path"/> below <paramref name="root"/> is a real directory
    /// (not a link, not a file) and that the leaf, when it exists, is of <paramref name="leaf"/> kind.
    /// Throws <see cref="ToolStateException"/> naming the offending component.
    /// </summary>
    public static void EnsureNoLinksBelow(string root, string path, FileKind leaf = FileKind.Regular)
    {
        var fullRoot = Path.GetFullPath(root);
        var fullPath = Path.GetFullPath(path);
        var relative = Path.GetRelativePath(fullRoot, fullPath);
        if (relative == "." ) return;
        if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            throw new ToolStateException($"'{fullPath}' is not inside '{fullRoot}'");
        }
        var current = fullRoot;
        var segments = relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < segments.Length; i++)
        {
            current = Path.Combine(current, segments[i]);
            var kind = FileKinds.Of(current);
            var isLeaf = i == segments.Length - 1;
            if (kind == FileKind.Missing) return;
            var expected = isLeaf ? leaf : FileKind.Directory;
            if (kind != expected)
            {
                throw new ToolStateException($"'{current}' {FileKinds.Describe(kind)}; llmc keeps its own state there and needs {FileKinds.Noun(expected)}");
            }
        }
    }

    /// <summary>Creates <paramref name="directory"/> (and its parents below <paramref name="root"/>) after checking nothing on the way is a link.</summary>
    public static void CreateDirectoryBelow(string root, string directory)
    {
        EnsureNoLinksBelow(root, directory, FileKind.Directory);
        Directory.CreateDirectory(directory);
        EnsureNoLinksBelow(root, directory, FileKind.Directory);
    }
}
