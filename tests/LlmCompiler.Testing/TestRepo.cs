using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace LlmCompiler.Testing;

/// <summary>A real git repository in a temp folder (plus a sibling sentinel folder), deleted on dispose.</summary>
public sealed class TestRepo : IDisposable
{
    private readonly TempDirectory _base = new();

    public TestRepo(bool init = true)
    {
        Base = _base.Path;
        Root = Path.Combine(Base, "repo");
        Outside = Path.Combine(Base, "outside");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "secret.txt"), "outside the repository\n");
        if (init)
        {
            Git("init", "-q", "-b", "main");
            Git("config", "user.name", "Test");
            Git("config", "user.email", "test@example.invalid");
            Git("config", "commit.gpgSign", "false");
        }
    }

    public string Base { get; }
    public string Root { get; }
    public string Outside { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public TestRepo Write(string relative, string content)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return this;
    }

    public string Commit(string message = "commit")
    {
        Git("add", "-A");
        Git("commit", "-q", "--no-verify", "-m", message);
        return Git("rev-parse", "HEAD").Trim();
    }

    public string Head => Git("rev-parse", "HEAD").Trim();

    public string Git(params string[] args) => Run(Root, "git", args);

    /// <summary>git in <see cref="Root"/> with variables set (a null value removes one).</summary>
    public string Git(IReadOnlyDictionary<string, string?> environment, params string[] args) => Run(Root, "git", args, environment);

    /// <summary>Runs <paramref name="file"/> in <paramref name="cwd"/>; returns its stdout, throws with its stderr when it fails.</summary>
    public static string Run(string cwd, string file, params string[] args) => Run(cwd, file, args, null);

    private static string Run(string cwd, string file, string[] args, IReadOnlyDictionary<string, string?>? environment)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        }
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        var stdout = stdoutTask.Result;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr}");
        return stdout;
    }

    /// <summary>
    /// Hash of every entry under <paramref name="dir"/> without following symlinks: path, kind, mode, bytes
    /// or link target. Ignored and untracked files count; <paramref name="skip"/> names top-level entries to leave out.
    /// </summary>
    public static string TreeHash(string dir, params string[] skip)
    {
        var sb = new StringBuilder();
        if (!Directory.Exists(dir)) return "(missing)";
        foreach (var entry in Walk(dir).Order(StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(dir, entry).Replace('\\', '/');
            if (skip.Any(s => rel == s || rel.StartsWith(s + "/", StringComparison.Ordinal))) continue;
            var info = new FileInfo(entry);
            if (info.LinkTarget is { } target) sb.Append($"L {rel} -> {target}\n");
            else if (Directory.Exists(entry)) sb.Append($"D {rel}\n");
            else
            {
                var mode = OperatingSystem.IsWindows() ? "" : File.GetUnixFileMode(entry).ToString();
                sb.Append($"F {rel} {mode} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry)))}\n");
            }
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>Every entry below <paramref name="dir"/>, recursing into real directories only (never through a symlink).</summary>
    public static IEnumerable<string> Walk(string dir)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir, "*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 }))
        {
            yield return entry;
            if (new FileInfo(entry).LinkTarget is null && Directory.Exists(entry))
            {
                foreach (var inner in Walk(entry)) yield return inner;
            }
        }
    }

    /// <summary>The user's checkout as the invariants see it: everything but our artifact folder; .git separately.</summary>
    public string CheckoutHash() => TreeHash(Root, ".git", ".llmc");

    public void Dispose() => _base.Dispose();
}
