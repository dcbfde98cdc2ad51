namespace LlmCompiler.IO;

/// <summary>Paths as the file system resolves them: every symbolic link on the way followed.</summary>
public static class PhysicalPath
{
    /// <summary>
    /// <paramref name="path"/> with each existing component's links resolved (at most 40 hops per component, like the
    /// kernel's limit); components that do not exist are kept as they are. The input when resolution fails.
    /// </summary>
    public static string Resolve(string path)
    {
        try
        {
            var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
            var parts = full.Split(Path.DirectorySeparatorChar);
            var resolved = parts[0] + Path.DirectorySeparatorChar;
            foreach (var part in parts.Skip(1))
            {
                if (part.Length == 0) continue;
                var candidate = Path.Combine(resolved, part);
                for (var hops = 0; hops < 40 && new FileInfo(candidate).LinkTarget is { } target; hops++)
                {
                    candidate = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(candidate)!, target));
                }
                resolved = candidate;
            }
            return resolved.Length > 1 ? resolved.TrimEnd(Path.DirectorySeparatorChar) : resolved;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return path;
        }
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or below it (after normalisation; case-insensitive on Windows and macOS).</summary>
    public static bool IsInside(string path, string root)
    {
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        var fullRoot = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return full.Equals(fullRoot, comparison) || full.StartsWith(fullRoot + Path.DirectorySeparatorChar, comparison);
    }
}
