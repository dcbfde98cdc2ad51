using System.Runtime.InteropServices;

namespace LlmCompiler.Processes;

/// <summary>The few process-level Unix calls .NET does not expose: signalling a process group, the effective uid,
/// and marking the process non-dumpable.</summary>
public static partial class UnixProcess
{
    private const int PrSetDumpable = 4;

    /// <summary>True when running with effective uid 0 (false on Windows or when the call is unavailable).</summary>
    public static bool IsRoot()
    {
        if (OperatingSystem.IsWindows()) return false;
        try { return GetEuid() == 0; }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return Environment.UserName == "root"; }
    }

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/> (negative: a process group); false when it failed.</summary>
    public static bool Signal(int pid, int signal)
    {
        if (OperatingSystem.IsWindows()) return false;
        try { return Kill(pid, signal) == 0; }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    /// <summary>
    /// <c>prctl(PR_SET_DUMPABLE, 0)</c> (Linux): <c>/proc/&lt;pid&gt;/environ</c> and friends become readable by root only,
    /// so a same-user child cannot read the API key from llmc's environment. Returns false when unsupported.
    /// </summary>
    public static bool MakeNonDumpable()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { return Prctl(PrSetDumpable, 0, 0, 0, 0) == 0; }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
