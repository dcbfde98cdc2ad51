namespace LlmCompiler.Testing;

/// <summary>A unique folder under the system temp directory, deleted (git's read-only objects included) on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "llmc-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes <paramref name="content"/> at <paramref name="relativePath"/> ('/'-separated), creating folders; returns the full path.</summary>
    public string Write(string relativePath, string content)
    {
        var full = Combine(relativePath.Split('/'));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    /// <summary>A leftover temp folder must not fail the test that used it.</summary>
    public void Dispose()
    {
        try
        {
            Delete(Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Deletes <paramref name="path"/> and everything below it. On Windows read-only files (git's objects) are made
    /// writable first, never through a link; elsewhere a file's mode does not stop its deletion.
    /// </summary>
    public static void Delete(string path)
    {
        if (!Directory.Exists(path)) return;
        if (OperatingSystem.IsWindows())
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
            foreach (var file in Directory.EnumerateFiles(path, "*", options))
            {
                File.SetAttributes(file, FileAttributes.Normal);
            }
        }
        Directory.Delete(path, recursive: true);
    }
}
