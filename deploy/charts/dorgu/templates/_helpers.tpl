{{/* The chart name. */}}
{{- define "dorgu.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name prefix of every object. */}}
{{- define "dorgu.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Selector labels. */}}
{{- define "dorgu.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dorgu.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Common labels. */}}
{{- define "dorgu.labels" -}}
{{ include "dorgu.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: dorgu
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* The ServiceAccount name. */}}
{{- define "dorgu.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "dorgu.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The webhook Service name. */}}
{{- define "dorgu.webhookService" -}}
{{- printf "%s-webhook" (include "dorgu.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The webhook's serving Certificate (cert-manager mode). */}}
{{- define "dorgu.webhookCertificate" -}}
{{- printf "%s-webhook" (include "dorgu.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The --certificates flag for webhook.certificates (self or certManager; anything else fails). */}}
{{- define "dorgu.certificatesFlag" -}}
{{- $mode := .Values.webhook.certificates }}
{{- if eq $mode "self" }}self
{{- else if eq $mode "certManager" }}cert-manager
{{- else }}{{ fail (printf "webhook.certificates must be self or certManager, not %q" $mode) }}
{{- end }}
{{- end }}

{{/* Whether cert-manager makes the webhook certificate. */}}
{{- define "dorgu.certManager" -}}
{{- if and .Values.webhook.enabled (eq (include "dorgu.certificatesFlag" .) "cert-manager") }}true{{ end }}
{{- end }}

{{/* operator.peeringLifetime, checked like the --peering-lifetime flag (whole seconds, 5..3600). */}}
{{- define "dorgu.peeringLifetime" -}}
{{- $seconds := toString .Values.operator.peeringLifetime }}
{{- if or (not (regexMatch "^[0-9]+$" $seconds)) (lt (atoi $seconds) 5) (gt (atoi $seconds) 3600) }}
{{- fail (printf "operator.peeringLifetime must be whole seconds from 5 to 3600, not %s" $seconds) }}
{{- end }}
{{- $seconds }}
{{- end }}

{{/* The --admission flag: webhook, policy or both ("both" needs webhook.enabled). */}}
{{- define "dorgu.admissionEngine" -}}
{{- $engine := .Values.admission.engine }}
{{- if not (has $engine (list "webhook" "policy" "both")) }}
{{- fail (printf "admission.engine must be webhook, policy or both, not %q" $engine) }}
{{- else if and (eq $engine "both") (not .Values.webhook.enabled) }}
{{- fail "admission.engine both needs webhook.enabled=true (or use admission.engine=policy)" }}
{{- else }}{{ $engine }}
{{- end }}
{{- end }}
