using LlmCompiler.Git;

namespace LlmCompiler.Llm;

/// <summary>
/// The cost ledger of a repository: <c>.llmc/ledger.jsonl</c>, shared by every plan and factory run, CLI or
/// MSBuild. The session creates the file before its first call (to fail early when it cannot be written), so
/// <c>.llmc/</c> is excluded from git first: a crash between the two must not leave an untracked file behind.
/// </summary>
public static class RepositoryLedger
{
    public static async Task<string> PrepareAsync(string repoRoot, CancellationToken cancellationToken)
    {
        await GitExclude.EnsureArtifactsExcludedAsync(new GitCli(), repoRoot, cancellationToken).ConfigureAwait(false);
        return LlmSettings.DefaultLedgerPath(repoRoot);
    }
}
