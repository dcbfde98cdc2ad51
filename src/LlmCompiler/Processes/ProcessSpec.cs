using LlmCompiler.Secrets;

namespace LlmCompiler.Processes;

/// <summary>
/// One child process to run: argv only (never a shell), an explicit working directory, a timeout that kills
/// the whole process tree, and where its output goes.
/// </summary>
/// <param name="FileName">An absolute path, or a bare name looked up on the child's <c>PATH</c> only (never the
/// current directory); a relative path with a separator is taken relative to <paramref name="WorkingDirectory"/>.</param>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments, string WorkingDirectory)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Stored output per stream: beyond it the file keeps the first and last halves (10 MiB).</summary>
    public const long DefaultMaxStoredBytes = 10L * 1024 * 1024;

    /// <summary>Time allowed from start to exit; on expiry the tree is killed and the exit code is −1.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>
    /// Time allowed, after the child exited, for stdout/stderr to reach end-of-file. A grandchild that inherited
    /// the pipes (an MSBuild node, a daemon) can hold them open forever; we stop waiting rather than hang.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Files receiving the output (capped by <see cref="MaxStoredBytes"/>); null keeps only the in-memory tail.</summary>
    public string? StdoutPath { get; init; }
    public string? StderrPath { get; init; }

    /// <summary>Bytes of each output file kept: the first and the last half, with a note of what was dropped between.</summary>
    public long MaxStoredBytes { get; init; } = DefaultMaxStoredBytes;

    /// <summary>Bytes of each stream kept in memory (the end of the output, for briefs and messages).</summary>
    public int TailBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// When set, stdout is kept whole in memory up to this many bytes (git plumbing output that must be parsed);
    /// beyond it the result reports <see cref="ProcessResult.StdoutOverflowed"/>.
    /// </summary>
    public int? CaptureAllStdoutUpTo { get; init; }

    /// <summary>Bytes written to the child's stdin, which is then closed; null closes it at once.</summary>
    public byte[]? StandardInput { get; init; }

    /// <summary>Masks secrets in the stored output files and the tails as they are written.</summary>
    public SecretRedactor? Redactor { get; init; }

    /// <summary>
    /// Kill everything the command started once it ends, whatever its exit code: its process group (the command
    /// leads its own session on Unix) and every process still carrying the command's marker variable.
    /// </summary>
    public bool KillLeftovers { get; init; } = true;

    /// <summary>Called with the child's pid right after it started (the journal records it for recovery).</summary>
    public Action<ProcessStartRecord>? Started { get; init; }

    public ChildEnvironment Environment { get; init; } = ChildEnvironment.Default();

    public IEnumerable<string> Argv => Arguments.Prepend(FileName);
}

/// <summary>What recovery needs to find a command that outlived a crashed run: its pid, when it started, its marker.</summary>
public sealed record ProcessStartRecord(int Pid, DateTimeOffset StartTime, string Marker);

/// <summary>What happened to a child process. Never thrown: a launch failure is exit code −1 with <see cref="LaunchError"/>.</summary>
public sealed record ProcessResult
{
    public const int FailedExitCode = -1;

    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>The child's exit code, or −1 for a timeout, a cancellation or a launch failure.</summary>
    public required int ExitCode { get; init; }
    public bool TimedOut { get; init; }
    public bool Cancelled { get; init; }
    public bool DrainTimedOut { get; init; }
    public string? LaunchError { get; init; }
    public string StdoutTail { get; init; } = "";
    public string StderrTail { get; init; } = "";
    public byte[]? Stdout { get; init; }
    public bool StdoutOverflowed { get; init; }
    public string? StdoutPath { get; init; }
    public string? StderrPath { get; init; }

    /// <summary>Output bytes left out of the stored files (their head and tail are kept).</summary>
    public long DroppedOutputBytes { get; init; }

    /// <summary>Processes the command left behind that were killed when it ended.</summary>
    public int LeftoversKilled { get; init; }
    public TimeSpan Duration { get; init; }

    public bool Succeeded => ExitCode == 0 && !TimedOut && !Cancelled && LaunchError is null;

    public string CommandLine => string.Join(' ', Argv);
}
