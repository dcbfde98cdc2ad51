namespace LlmCompiler.Configuration;

/// <summary>Where raw settings come from; decides how an error names the setting and the defaults that differ.</summary>
public enum SettingsSource
{
    /// <summary><c>llmc</c> options: errors name the option (<c>--max-attempts</c>).</summary>
    CommandLine,

    /// <summary><c>Llmc*</c> MSBuild properties: errors name the property (<c>LlmcMaxAttempts</c>).</summary>
    MSBuild,
}
