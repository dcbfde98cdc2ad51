using System.Text;

namespace LlmCompiler.Processes;

/// <summary>
/// Kills what a command left behind. Each command runs as the leader of its own session (so its whole process group
/// can be signalled at once) and carries a marker variable that its descendants inherit, including daemons that
/// started a session of their own with <c>setsid</c> and so left the group. After the command ends, the group is
/// killed and <c>/proc</c> is scanned for the marker. A child that deliberately clears its environment and leaves the
/// group escapes this; only the sandbox's PID namespace stops that (docs/security.md).
/// </summary>
public static class ProcessReaper
{
    /// <summary>The variable each command's descendants inherit; its value is unique per command.</summary>
    public const string MarkerVariable = "LLMC_PROCESS_MARKER";

    private const int SigKill = 9;

    private static readonly TimeSpan SweepLimit = TimeSpan.FromSeconds(3);

    private static readonly Lazy<string?> SetsidPath = new(() => OperatingSystem.IsLinux() ? ExecutableResolver.FromPath("setsid") : null);

    /// <summary>The <c>setsid</c> launcher when this platform has one (Linux' util-linux); null elsewhere.</summary>
    internal static string? Setsid => SetsidPath.Value;

    public static string NewMarker() => Guid.NewGuid().ToString("N");

    /// <summary>Kills the process group <paramref name="pgid"/> and every process carrying <paramref name="marker"/>; returns how many were signalled.</summary>
    public static int KillGroupAndMarked(int? pgid, string marker)
    {
        var killed = 0;
        if (pgid is > 1 && !OperatingSystem.IsWindows())
        {
            if (UnixProcess.Signal(-pgid.Value, SigKill)) killed++;
        }
        // Processes fork while being killed, and a killed one stays visible until it has really exited (one blocked
        // in I/O takes a while): keep scanning and signalling until, after any kill, two passes in a row find
        // nothing, for at most SweepLimit. A command that left nothing behind costs one pass.
        var sweep = System.Diagnostics.Stopwatch.StartNew();
        var emptyPasses = 0;
        while (true)
        {
            var found = FindMarked(marker);
            if (found.Count == 0)
            {
                if (killed == 0 || ++emptyPasses >= 2) break;
            }
            else
            {
                emptyPasses = 0;
                foreach (var pid in found)
                {
                    if (UnixProcess.Signal(pid, SigKill)) killed++;
                }
            }
            if (sweep.Elapsed > SweepLimit) break;
            Thread.Sleep(20);
        }
        return killed;
    }

    /// <summary>Pids of live processes whose environment carries <c>LLMC_PROCESS_MARKER=marker</c> (Linux; empty elsewhere).</summary>
    public static IReadOnlyList<int> FindMarked(string marker)
    {
        var pids = new List<int>();
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc")) return pids;
        var needle = Encoding.ASCII.GetBytes(MarkerVariable + "=" + marker + "\0");
        var self = Environment.ProcessId;
        IEnumerable<string> entries;
        try { entries = Directory.EnumerateDirectories("/proc"); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return pids; }
        foreach (var dir in entries)
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == self) continue;
            try
            {
                var environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
                if (environ.AsSpan().IndexOf(needle) >= 0 || EndsWithUnterminated(environ, needle)) pids.Add(pid);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone already, or not ours to read.
            }
        }
        return pids;
    }

    /// <summary>True when the process exists and started at <paramref name="start"/> (pid reuse is not the same process).</summary>
    public static bool IsSameProcessAlive(int pid, DateTimeOffset start)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            if (p.HasExited) return false;
            var actual = new DateTimeOffset(p.StartTime.ToUniversalTime(), TimeSpan.Zero);
            return Math.Abs((actual - start).TotalSeconds) < 2;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false;
        }
    }

    private static bool EndsWithUnterminated(byte[] environ, byte[] needle) =>
        environ.Length >= needle.Length - 1 && environ.AsSpan(environ.Length - (needle.Length - 1)).SequenceEqual(needle.AsSpan(0, needle.Length - 1));

}
