using System.Diagnostics;

namespace LlmCompiler.Planning;

/// <summary>
/// The files that exist in the target repository before the plan runs: <c>git ls-files</c> (tracked plus
/// untracked-but-not-ignored) in a git repository, otherwise a directory walk that skips <c>.git</c>,
/// <c>bin</c>, <c>obj</c> and <c>.llmc</c>. Paths are repository-relative with forward slashes.
/// </summary>
internal static class RepoFiles
{
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.OrdinalIgnoreCase) { ".git", "bin", "obj", ".llmc", "node_modules" };

    public static IReadOnlySet<string> List(string root)
    {
        var fromGit = TryGit(root);
        if (fromGit is not null) return fromGit;
        var result = new HashSet<string>(StringComparer.Ordinal);
        Walk(new DirectoryInfo(root), "", result);
        return result;
    }

    private static void Walk(DirectoryInfo dir, string prefix, HashSet<string> result)
    {
        foreach (var entry in dir.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null) continue; // never follow links out of the repository
            if (entry is DirectoryInfo sub)
            {
                if (!SkippedFolders.Contains(sub.Name)) Walk(sub, prefix + sub.Name + "/", result);
            }
            else
            {
                result.Add(prefix + entry.Name);
            }
        }
    }

    private static HashSet<string>? TryGit(string root)
    {
        if (!Directory.Exists(Path.Combine(root, ".git")) && !File.Exists(Path.Combine(root, ".git"))) return null;
        var output = GitRunner.Run(root, TimeSpan.FromSeconds(60), "ls-files", "-z", "--cached", "--others", "--exclude-standard");
        if (output is null) return null;
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in output.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // Deleted-but-tracked files are listed by --cached; the plan must see the tree as it is.
            if (File.Exists(Path.Combine(root, path))) files.Add(path);
        }
        return files;
    }
}

/// <summary>Runs one short git command without a shell; null when git is missing or fails.</summary>
internal static class GitRunner
{
    public static string? Run(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        try
        {
            using var process = Process.Start(psi);
            if (process is null) return null;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }
            return process.ExitCode == 0 ? stdout.GetAwaiter().GetResult() : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
