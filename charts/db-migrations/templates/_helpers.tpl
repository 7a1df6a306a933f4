{{- define "db-migrations.labels" -}}
app.kubernetes.io/name: db-migrations
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "db-migrations.hook" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-delete-policy: before-hook-creation
{{- end -}}

{{/* Environment, volumes and mounts shared by the Job and the test pod. */}}
{{- define "db-migrations.envFrom" -}}
{{- $secrets := .Values.existingSecrets -}}
{{- if .Values.externalSecret.enabled }}{{ $secrets = append $secrets .Release.Name | uniq }}{{ end -}}
{{- range $secrets }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- end -}}

{{- define "db-migrations.env" -}}
- name: DATABASES
  value: {{ include "db-migrations.names" . | quote }}
- name: PRIMARY_DATABASE
  value: {{ (first .Values.databases).name | quote }}
- name: SQL_ROOT
  value: /flyway/sql
{{- if include "db-migrations.seedData" . }}
- name: SEED_ROOT
  value: /flyway/seed
{{- end }}
{{- $env := default dict .Values.flyway.env }}
{{- if not (hasKey $env "FLYWAY_CONNECT_RETRIES") }}
- name: FLYWAY_CONNECT_RETRIES
  value: {{ .Values.flyway.connectRetries | quote }}
{{- end }}
{{- range $name, $value := $env }}
{{- if or (not (hasPrefix "FLYWAY_" $name)) (has $name (list "FLYWAY_URL" "FLYWAY_USER" "FLYWAY_PASSWORD" "FLYWAY_LOCATIONS")) }}
{{- fail (printf "flyway.env.%s: only FLYWAY_* settings other than the connection and locations belong here" $name) }}
{{- end }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- range .Values.databases }}
{{- if .baselineVersion }}
- name: {{ upper .name }}_BASELINE_VERSION
  value: {{ .baselineVersion | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "db-migrations.names" -}}
{{- $names := list -}}
{{- range .Values.databases }}{{ $names = append $names .name }}{{ end -}}
{{- join " " $names -}}
{{- end -}}

{{- define "db-migrations.volumes" -}}
- name: entrypoint
  configMap:
    name: {{ .Release.Name }}-entrypoint
    defaultMode: 0555
{{- range .Values.databases }}
- name: sql-{{ .name }}
  configMap:
    name: {{ $.Release.Name }}-sql-{{ .name }}
{{- if include "db-migrations.seedData" $ }}
- name: seed-{{ .name }}
  configMap:
    name: {{ $.Release.Name }}-seed-{{ .name }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "db-migrations.mounts" -}}
- name: entrypoint
  mountPath: /scripts
{{- range .Values.databases }}
- name: sql-{{ .name }}
  mountPath: /flyway/sql/{{ .name }}
{{- if include "db-migrations.seedData" $ }}
- name: seed-{{ .name }}
  mountPath: /flyway/seed/{{ .name }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Demo seed data is for local environments: rendering fails where it must never run. */}}
{{- define "db-migrations.validate" -}}
{{- $environment := default "" .Values.environment }}
{{- if and (include "db-migrations.seedData" .) (has (lower $environment) (list "staging" "production" "prod")) }}
{{- fail (printf "seedData.enabled is true for environment %q: demo seed data is for local environments only; set seedData.enabled: false" $environment) }}
{{- end }}
{{- end -}}

{{/* "true" when demo seed data is enabled; values files that predate it (a consumer's own) have no seedData. */}}
{{- define "db-migrations.seedData" -}}
{{- if (default dict .Values.seedData).enabled }}true{{ end }}
{{- end -}}
