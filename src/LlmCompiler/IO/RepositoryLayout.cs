using System.Security.Cryptography;
using System.Text;

namespace LlmCompiler.IO;

/// <summary>
/// Every place the tool keeps state for one repository, spelled once:
/// <list type="bullet">
/// <item><c>&lt;root&gt;/.llmc/</c> — what users read: run folders (<c>runs/plan</c>, <c>runs/factory</c>) and the cost
/// ledger; kept out of <c>git status</c> through <c>info/exclude</c>.</item>
/// <item><c>&lt;git-common-dir&gt;/llmc/</c> — coordination: the repository lock and the markers of live runs.</item>
/// <item><c>&lt;cache&gt;/llmc/…/&lt;repository id&gt;/</c> — attempt worktrees, their scratch folders and the sandbox's
/// private NuGet folder. Outside the checkout on purpose: a worktree inside the repository lets <c>../..</c> from
/// model-written code reach the user's files, and lets NuGet and MSBuild pick up the checkout's
/// <c>nuget.config</c>, <c>global.json</c> and <c>Directory.Build.*</c> while walking up from the worktree.</item>
/// </list>
/// </summary>
public sealed record RepositoryLayout(string Root, string CommonDir)
{
    public const string ToolDirectoryName = ".llmc";

    /// <summary>Overrides the cache folder (tests, CI machines with a read-only home).</summary>
    public const string CacheVariable = "LLMC_CACHE_DIR";

    public string ToolDirectory => ToolDirectoryOf(Root);
    public string FactoryRunsDirectory => Path.Combine(ToolDirectory, "runs", "factory");
    public string LedgerPath => LedgerPathOf(Root);

    /// <summary>The run-wide budget reservations the nodes of one fanned-out run share (beside the ledger).</summary>
    public static string SharedBudgetFileOf(string root, string runId) => Path.Combine(ToolDirectoryOf(root), "runs", "budgets", runId + ".json");

    /// <summary>The health budget of a fanned-out run, shared by its nodes.</summary>
    public static string SharedHealthFileOf(string root, string runId) => Path.Combine(ToolDirectoryOf(root), "runs", "health", runId + ".json");

    /// <summary>The outcome records of the nodes of one fanned-out run, read by its landing.</summary>
    public static string NodeRecordsDirectoryOf(string root, string runId) => Path.Combine(ToolDirectoryOf(root), "runs", "nodes", runId);

    /// <summary>The frozen tests of a work order's last run, by its canonical hash.</summary>
    public string FrozenTestsFile(string workOrderSha256) => Path.Combine(ToolDirectory, "runs", "frozen", workOrderSha256 + ".json");

    public string StateDirectory => Path.Combine(CommonDir, "llmc");
    public string LockFile => Path.Combine(StateDirectory, "repo.lock");

    /// <summary>Held while git adds, prunes or removes a slot's worktree (see <see cref="FileMutex"/>).</summary>
    public string WorktreeAdminLock => Path.Combine(StateDirectory, "worktrees.lock");

    /// <summary>Held while an unsandboxed verify or acceptance command runs, with its guard (see <c>AttemptCommands</c>).</summary>
    public string UnsandboxedCommandLock => Path.Combine(StateDirectory, "commands.lock");

    /// <summary>The lock files of the worktree slots (<see cref="SlotLease"/>).</summary>
    public string SlotLocksDirectory => Path.Combine(StateDirectory, "slots");

    public string ActiveRunsDirectory => Path.Combine(StateDirectory, "active");

    /// <summary>Where earlier versions kept the attempt worktree (inside the git dir); recovery removes it.</summary>
    public string LegacyWorktreesDirectory => Path.Combine(StateDirectory, "worktrees");

    /// <summary>A short, stable id of this repository (its git common dir), used in the cache folder names.</summary>
    public string RepositoryId => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(CommonDir)))).ToLowerInvariant()[..16];

    public string WorktreesDirectory => Path.Combine(CacheRoot(), "worktrees", RepositoryId);
    public string Slot(string name) => Path.Combine(WorktreesDirectory, name);

    /// <summary>The slot of sequential runs.</summary>
    public const string AttemptSlot = "attempt";

    /// <summary>The slot where the merge queue checks a work order on the integrated tree.</summary>
    public const string LandingSlot = "landing";

    /// <summary>The <paramref name="k"/>-th slot of parallel work orders (1-based).</summary>
    public static string ParallelSlot(int k) => $"slot-{k}";

    /// <summary>Whether a worktree's admin name in the git dir is one of the harness's slots (git may append digits).</summary>
    public static bool IsSlotName(string adminName) =>
        adminName.StartsWith(AttemptSlot, StringComparison.Ordinal) && adminName[AttemptSlot.Length..].All(char.IsAsciiDigit)
        || adminName.StartsWith(LandingSlot, StringComparison.Ordinal) && adminName[LandingSlot.Length..].All(char.IsAsciiDigit)
        || adminName.StartsWith("slot-", StringComparison.Ordinal) && adminName.Length > 5 && adminName[5..].All(char.IsAsciiDigit);

    /// <summary>The private, writable TMPDIR and HOME of commands run in a slot; emptied before each command.</summary>
    public string ScratchDirectory(string slot) => Path.Combine(CacheRoot(), "scratch", RepositoryId, slot);

    /// <summary>The sandbox's own NuGet packages folder (the user's stays read-only and serves as a fallback folder).</summary>
    public string SandboxPackagesDirectory => Path.Combine(CacheRoot(), "nuget-packages", RepositoryId);

    /// <summary>The landed commit is assembled with a private index here.</summary>
    public string CommitScratchDirectory => Path.Combine(StateDirectory, "commit");

    public static string ToolDirectoryOf(string root) => Path.Combine(root, ToolDirectoryName);

    /// <summary>Per-work-order and per-run metrics (JSONL), beside the ledger.</summary>
    public static string MetricsPathOf(string root) => Path.Combine(root, ToolDirectoryName, "metrics.jsonl");
    public static string LedgerPathOf(string root) => Path.Combine(root, ToolDirectoryName, "ledger.jsonl");
    public static string PlanRunsDirectoryOf(string root) => Path.Combine(root, ToolDirectoryName, "runs", "plan");

    /// <summary>
    /// <c>$LLMC_CACHE_DIR</c>, else the platform's user cache (<c>$XDG_CACHE_HOME</c> or <c>~/.cache</c>,
    /// <c>~/Library/Caches</c>, <c>%LOCALAPPDATA%</c>) with <c>llmc</c> appended, else the temp folder.
    /// </summary>
    public static string CacheRoot()
    {
        if (Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } explicitRoot) return Path.GetFullPath(explicitRoot);
        string? baseDir;
        if (OperatingSystem.IsWindows()) baseDir = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        else if (OperatingSystem.IsMacOS()) baseDir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "Library", "Caches");
        else baseDir = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathFullyQualified(xdg)
            ? xdg
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? Path.Combine(home, ".cache") : null;
        return Path.Combine(string.IsNullOrEmpty(baseDir) ? Path.GetTempPath() : baseDir, "llmc");
    }
}
