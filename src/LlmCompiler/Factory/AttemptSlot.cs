namespace LlmCompiler.Factory;

/// <summary>
/// One attempt worktree (outside the user's checkout, in the tool's cache folder) with its git dir and the private
/// scratch folders its commands get as <c>TMPDIR</c> and <c>HOME</c>.
/// </summary>
/// <param name="Worktree">The worktree's root.</param>
/// <param name="GitDir">Its own git dir (<c>&lt;common&gt;/worktrees/&lt;name&gt;</c>), where its HEAD and index live.</param>
/// <param name="Scratch">Emptied before every attempt.</param>
internal sealed record AttemptSlot(string Name, string Worktree, string GitDir, string Scratch)
{
    public string ScratchTmp => Path.Combine(Scratch, "tmp");
    public string ScratchHome => Path.Combine(Scratch, "home");

    /// <summary>Empties the scratch folders (what the previous attempt's commands left there goes).</summary>
    public void ResetScratch()
    {
        FactoryRecovery.DeleteDirectory(Scratch);
        Directory.CreateDirectory(ScratchTmp);
        Directory.CreateDirectory(ScratchHome);
    }

    /// <summary>The git dir a worktree's <c>.git</c> file points at.</summary>
    public static string? ReadGitDir(string worktree)
    {
        var dotGit = Path.Combine(worktree, ".git");
        var text = IO.SafeFile.ReadTextOrNull(dotGit, 64 * 1024);
        if (text is null || !text.StartsWith("gitdir:", StringComparison.Ordinal)) return null;
        var path = text["gitdir:".Length..].Trim();
        return Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(worktree, path));
    }
}
