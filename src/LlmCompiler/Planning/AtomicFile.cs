using System.Text;

namespace LlmCompiler.Planning;

/// <summary>Writes a file so readers see the old content or the new, never a part: temp file, flush to disk, rename over.</summary>
internal static class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(false);

    public static void WriteAllText(string path, string content)
    {
        var temp = Stage(path, content);
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            Discard(temp);
        }
    }

    /// <summary>Writes <paramref name="content"/> to a flushed temp file beside <paramref name="path"/> and returns its path.</summary>
    public static string Stage(string path, string content)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            stream.Write(Utf8NoBom.GetBytes(content));
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            Discard(temp);
            throw;
        }
        return temp;
    }

    public static void Discard(string temp)
    {
        try
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        catch (IOException)
        {
            // Best effort: a leftover dot-file temp is harmless and never matches WO-*.json.
        }
    }
}
