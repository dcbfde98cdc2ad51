using System.Collections.Concurrent;
using LlmCompiler.IO;
using LlmCompiler.Processes;

namespace LlmCompiler.Sandbox;

/// <summary>Whether a sandbox can run here, and if not, why.</summary>
public sealed record SandboxAvailability(bool Available, string Description, string? Executable = null);

/// <summary>
/// Linux containment through bubblewrap (<c>bwrap</c>, Debian package <c>bubblewrap</c>): a new mount namespace where
/// <c>/</c> is read-only and only the attempt worktree and private scratch folders are writable, the user's checkout
/// and the home directory's credential folders are hidden, a new PID namespace (nothing outlives the command; no
/// child can read llmc's <c>/proc/&lt;pid&gt;/environ</c>), a new session (no terminal injection), no capabilities,
/// and optionally no network.
/// </summary>
public static class Bubblewrap
{
    /// <summary><c>LLMC_BWRAP=/path/to/bwrap</c> picks a bwrap; <c>LLMC_BWRAP=none</c> behaves as if there were none.</summary>
    public const string OverrideVariable = "LLMC_BWRAP";

    private static readonly ConcurrentDictionary<string, SandboxAvailability> Probes = new(StringComparer.Ordinal);

    /// <summary>Finds bwrap (on <c>PATH</c>, or <see cref="OverrideVariable"/>) and proves it can start a sandbox here; cached per executable.</summary>
    public static SandboxAvailability Probe()
    {
        if (!OperatingSystem.IsLinux()) return new(false, "bubblewrap sandboxes are Linux only; this platform has no supported sandbox (docs/security.md)");
        var configured = Environment.GetEnvironmentVariable(OverrideVariable);
        if (string.Equals(configured, "none", StringComparison.OrdinalIgnoreCase)) return new(false, $"{OverrideVariable}=none");
        var executable = string.IsNullOrEmpty(configured) ? ExecutableResolver.FromPath("bwrap") : configured;
        if (executable is null) return new(false, "bubblewrap (bwrap) is not on PATH; install it (Debian/Ubuntu: apt-get install bubblewrap)");
        return Probes.GetOrAdd(executable, ProbeExecutable);
    }

    private static SandboxAvailability ProbeExecutable(string executable)
    {
        var truePath = ExecutableResolver.FromPath("true") ?? "/bin/true";
        var args = new List<string> { "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "--new-session", "--die-with-parent" };
        if (IsRoot()) args.AddRange(["--cap-drop", "ALL"]);
        args.AddRange(["--", truePath]);
        var result = ProcessRunner.RunAsync(new ProcessSpec(executable, args, "/")
        {
            Timeout = TimeSpan.FromSeconds(20),
            KillLeftovers = false,
        }).GetAwaiter().GetResult();
        if (result.Succeeded) return new(true, $"bubblewrap ({executable})", executable);
        var why = (result.LaunchError ?? result.StderrTail).Trim().Split('\n')[0];
        return new(false, $"bubblewrap at {executable} cannot create a sandbox here ({why}); user namespaces may be disabled", null);
    }

    /// <summary>The bwrap argv that runs <paramref name="inner"/> (an absolute program and its arguments) inside <paramref name="mounts"/>.</summary>
    public static IReadOnlyList<string> Arguments(SandboxMounts mounts, IReadOnlyList<string> inner)
    {
        var args = new List<string>
        {
            "--ro-bind", "/", "/",
            "--dev", "/dev",
            "--proc", "/proc",
            "--bind", mounts.PrivateTmp, "/tmp",
        };
        foreach (var dir in mounts.MaskedDirectories.Where(Directory.Exists).Distinct(StringComparer.Ordinal)) args.AddRange(["--tmpfs", dir]);
        foreach (var file in mounts.MaskedFiles.Where(f => FileKinds.Of(f) == FileKind.Regular).Distinct(StringComparer.Ordinal)) args.AddRange(["--ro-bind", "/dev/null", file]);
        foreach (var dir in mounts.ReadOnlyReexposed.Where(Directory.Exists).Distinct(StringComparer.Ordinal)) args.AddRange(["--ro-bind", dir, dir]);
        foreach (var dir in mounts.Writable.Where(Directory.Exists).Distinct(StringComparer.Ordinal)) args.AddRange(["--bind", dir, dir]);
        args.AddRange(["--chdir", mounts.WorkingDirectory]);
        args.AddRange(["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--new-session", "--die-with-parent"]);
        if (!mounts.Network) args.Add("--unshare-net");
        // Real root keeps every capability inside bwrap (it could remount '/' read-write); drop them all.
        if (IsRoot()) args.AddRange(["--cap-drop", "ALL"]);
        args.Add("--");
        args.AddRange(inner);
        return args;
    }

    private static bool IsRoot() => UnixProcess.IsRoot();
}
