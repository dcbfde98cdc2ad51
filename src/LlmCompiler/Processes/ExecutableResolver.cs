using LlmCompiler.IO;

namespace LlmCompiler.Processes;

/// <summary>
/// Finds programs on <c>PATH</c> only. .NET's <see cref="System.Diagnostics.Process"/> looks for a bare file name in
/// the application folder and the current directory before <c>PATH</c>, so a committed file named <c>git</c> at the
/// root of the repository llmc was started from would run instead of git. Every child process therefore starts from
/// an absolute path resolved here: absolute <c>PATH</c> entries only (an empty or relative entry means "the
/// current directory" to a shell, and is skipped), never a folder inside a tree the caller does not trust.
/// </summary>
public static class ExecutableResolver
{
    /// <summary>
    /// The absolute path of <paramref name="name"/> on <paramref name="pathVariable"/> (default: this process's
    /// <c>PATH</c>), skipping any candidate inside one of <paramref name="untrustedRoots"/>; null when there is none.
    /// </summary>
    public static string? FromPath(string name, string? pathVariable = null, IEnumerable<string>? untrustedRoots = null)
    {
        if (name.Length == 0 || name.Contains('/') || name.Contains('\\')) return null;
        pathVariable ??= Environment.GetEnvironmentVariable("PATH") ?? "";
        var roots = untrustedRoots?.Where(r => !string.IsNullOrEmpty(r)).Select(r => Path.GetFullPath(r)).ToList() ?? [];
        foreach (var entry in pathVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Path.IsPathFullyQualified(entry)) continue;
            foreach (var candidateName in CandidateNames(name))
            {
                var candidate = Path.Combine(entry, candidateName);
                if (!IsExecutableFile(candidate)) continue;
                var full = Path.GetFullPath(candidate);
                if (roots.Any(root => PhysicalPath.IsInside(full, root) || PhysicalPath.IsInside(PhysicalPath.Resolve(full), root))) continue;
                return full;
            }
        }
        return null;
    }

    private static IEnumerable<string> CandidateNames(string name)
    {
        if (!OperatingSystem.IsWindows() || Path.HasExtension(name))
        {
            yield return name;
            yield break;
        }
        // .bat/.cmd are deliberately absent: argument quoting for cmd.exe differs from CreateProcess (BatBadBut).
        yield return name + ".exe";
        yield return name + ".com";
    }

    private static bool IsExecutableFile(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            if (OperatingSystem.IsWindows()) return true;
            const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            return (File.GetUnixFileMode(path) & anyExecute) != 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
