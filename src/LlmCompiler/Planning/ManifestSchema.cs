namespace LlmCompiler.Planning;

/// <summary>
/// The JSON schema of the planner's answer, in the strict subset OpenAI-compatible structured outputs accept
/// (every property required, no additional properties, nullable as a type union). It only constrains shape so
/// that a capable endpoint cannot answer with prose; every contract rule is still checked by the validator.
/// </summary>
public static class ManifestSchema
{
    public const string Name = "work_order_manifest";

    public const string Json = """
    {
      "type": "object",
      "additionalProperties": false,
      "required": ["system_overview", "verify_contract", "work_orders"],
      "properties": {
        "system_overview": { "type": "array", "items": { "type": "string" } },
        "verify_contract": {
          "type": ["object", "null"],
          "additionalProperties": false,
          "required": ["command", "requires"],
          "properties": {
            "command": { "type": "string" },
            "requires": { "type": "array", "items": { "$ref": "#/$defs/condition" } }
          }
        },
        "work_orders": {
          "type": "array",
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["id", "title", "intent", "preconditions", "postconditions", "allowed_files", "forbidden", "acceptance_commands", "context_files", "notes", "depends_on", "tests", "difficulty"],
            "properties": {
              "id": { "type": "string" },
              "title": { "type": "string" },
              "intent": { "type": "string" },
              "preconditions": { "type": "array", "items": { "$ref": "#/$defs/condition" } },
              "postconditions": { "type": "array", "items": { "$ref": "#/$defs/condition" } },
              "allowed_files": { "type": "array", "items": { "type": "string" } },
              "forbidden": { "type": "array", "items": { "type": "string" } },
              "acceptance_commands": { "type": "array", "items": { "type": "string" } },
              "context_files": { "type": "array", "items": { "type": "string" } },
              "notes": { "type": ["string", "null"] },
              "depends_on": { "type": ["array", "null"], "items": { "type": "string" } },
              "tests": { "type": ["array", "null"], "items": { "type": "string" } },
              "difficulty": { "type": ["string", "null"], "enum": ["easy", "medium", "hard", null] }
            }
          }
        }
      },
      "$defs": {
        "condition": {
          "type": "object",
          "additionalProperties": false,
          "required": ["kind", "path"],
          "properties": {
            "kind": { "type": "string", "enum": ["file_exists", "file_absent"] },
            "path": { "type": "string" }
          }
        }
      }
    }
    """;
}
