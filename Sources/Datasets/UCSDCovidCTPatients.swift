/// Patient of every image of the UCSD-AI4H COVID-CT set (Yang et al. 2020), for patient-wise
/// splits. Generated once from the set's `COVID-CT-MetaInfo.xlsx` (sheet 1, columns "File name"
/// and "Patient ID") by a Python script (zipfile + xml.etree; the xlsx is a zip of XML):
/// - COVID images listed in the sheet: their Patient ID;
/// - COVID images not listed (50 of 252): the patient of their source paper when the sheet
///   lists exactly one patient for that paper, else `paper:<source paper>` (all unlisted
///   images of one paper stay together, a conservative grouping);
/// - non-COVID images (not in the sheet): `noncovid:<number before %>`, since `81%0.jpg`,
///   `81%1.jpg` are crops of one source figure.
/// Columns: folder, file, group.
enum UCSDCovidCTPatients {
    static let csv = """
folder,file,group
CT_COVID,2019-novel-Coronavirus-severe-adult-respiratory-dist_2020_International-Jour-p3-89%0.png,paper:2019-novel-Coronavirus-severe-adult-respiratory-dist_2020_International-Jour
CT_COVID,2019-novel-Coronavirus-severe-adult-respiratory-dist_2020_International-Jour-p3-89%1.png,paper:2019-novel-Coronavirus-severe-adult-respiratory-dist_2020_International-Jour
CT_COVID,2019-novel-Coronavirus-severe-adult-respiratory-dist_2020_International-Jour-p3-91.png,paper:2019-novel-Coronavirus-severe-adult-respiratory-dist_2020_International-Jour
CT_COVID,2020.01.24.919183-p27-132.png,Patient 1
CT_COVID,2020.01.24.919183-p27-133.png,Patient 1
CT_COVID,2020.01.24.919183-p27-134.png,Patient 1
CT_COVID,2020.01.24.919183-p27-135.png,Patient 1
CT_COVID,2020.02.10.20021584-p6-52%0.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%1.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%10.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%11.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%12.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%13.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%14.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%15.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%2.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%3.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%4.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%5.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%6.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%7.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%8.png,Patient 2
CT_COVID,2020.02.10.20021584-p6-52%9.png,Patient 2
CT_COVID,2020.02.11.20021493-p16-109%1.png,Patient 4
CT_COVID,2020.02.11.20021493-p16-109%2.png,Patient 5
CT_COVID,2020.02.11.20022053-p12-67%0.png,Patient 6
CT_COVID,2020.02.11.20022053-p12-67%1.png,Patient 7
CT_COVID,2020.02.11.20022053-p12-67%2.png,Patient 8
CT_COVID,2020.02.13.20022673-p13-77%0.png,Patient 10
CT_COVID,2020.02.13.20022673-p13-77%1.png,Patient 11
CT_COVID,2020.02.13.20022673-p13-77%2.png,Patient 12
CT_COVID,2020.02.19.20025023-p20-93%0.png,Patient 14
CT_COVID,2020.02.19.20025023-p20-93%2.png,Patient 16
CT_COVID,2020.02.19.20025023-p20-93%3.png,Patient 17
CT_COVID,2020.02.22.20024927-p18-66%0.png,Patient 18
CT_COVID,2020.02.22.20024927-p18-66%1.png,Patient 18
CT_COVID,2020.02.22.20024927-p18-66%2.png,Patient 18
CT_COVID,2020.02.22.20024927-p19-68%0.png,Patient 19
CT_COVID,2020.02.22.20024927-p19-68%1.png,Patient 19
CT_COVID,2020.02.22.20024927-p19-68%2.png,Patient 19
CT_COVID,2020.02.22.20024927-p20-70%0.png,Patient 21
CT_COVID,2020.02.22.20024927-p20-70%1.png,Patient 21
CT_COVID,2020.02.23.20026856-p17-115%0.png,Patient 23
CT_COVID,2020.02.23.20026856-p17-115%1.png,Patient 23
CT_COVID,2020.02.23.20026856-p17-115%2.png,Patient 23
CT_COVID,2020.02.23.20026856-p17-115%3.png,Patient 23
CT_COVID,2020.02.23.20026856-p17-115%4.png,Patient 23
CT_COVID,2020.02.23.20026856-p17-115%5.png,Patient 23
CT_COVID,2020.02.24.20027052-p8-73%0.png,Patient 24
CT_COVID,2020.02.24.20027052-p8-73%1.png,Patient 25
CT_COVID,2020.02.24.20027052-p8-73%3.png,Patient 27
CT_COVID,2020.02.24.20027201-p19-670.png,Patient 29
CT_COVID,2020.02.25.20021568-p23-108%0.png,Patient 30
CT_COVID,2020.02.25.20021568-p23-108%1.png,Patient 31
CT_COVID,2020.02.25.20021568-p23-108%10.png,Patient 32
CT_COVID,2020.02.25.20021568-p23-108%11.png,Patient 33
CT_COVID,2020.02.25.20021568-p23-108%14.png,Patient 36
CT_COVID,2020.02.25.20021568-p23-108%3.png,Patient 39
CT_COVID,2020.02.25.20021568-p23-108%4.png,Patient 40
CT_COVID,2020.02.25.20021568-p23-108%5.png,Patient 41
CT_COVID,2020.02.25.20021568-p23-108%8.png,Patient 44
CT_COVID,2020.02.25.20021568-p24-111%0.png,Patient 46
CT_COVID,2020.02.25.20021568-p24-111%1.png,Patient 47
CT_COVID,2020.02.25.20021568-p24-111%2.png,Patient 48
CT_COVID,2020.02.25.20021568-p24-111%3.png,Patient 49
CT_COVID,2020.02.25.20021568-p24-111%5.png,Patient 51
CT_COVID,2020.02.25.20021568-p24-111%6.png,Patient 52
CT_COVID,2020.02.25.20021568-p24-111%8.png,Patient 54
CT_COVID,2020.02.25.20021568-p24-111%9.png,Patient 55
CT_COVID,2020.02.25.20027763-p15-53%1.png,Patient 57
CT_COVID,2020.02.26.20026989-p34-114_1%0.png,Patient 58
CT_COVID,2020.02.26.20026989-p34-114_1%1.png,Patient 59
CT_COVID,2020.02.26.20026989-p34-114_2%0.png,Patient 60
CT_COVID,2020.02.26.20026989-p34-114_2%1.png,Patient 61
CT_COVID,2020.02.26.20027938-p6-80_1%0.png,Patient 62
CT_COVID,2020.02.26.20027938-p6-80_1%1.png,Patient 62
CT_COVID,2020.02.26.20027938-p6-80_2%0.png,Patient 62
CT_COVID,2020.02.26.20027938-p6-80_2%1.png,Patient 62
CT_COVID,2020.02.26.20027938-p6-80_3%0.png,Patient 62
CT_COVID,2020.02.26.20027938-p6-80_3%1.png,Patient 62
CT_COVID,2020.02.27.20027557-p25-137%0.png,Patient 63
CT_COVID,2020.02.27.20027557-p25-137%1.png,Patient 63
CT_COVID,2020.02.27.20027557-p25-137%2.png,Patient 63
CT_COVID,2020.02.27.20027557-p25-137%3.png,Patient 63
CT_COVID,2020.02.27.20027557-p25-137%4.png,Patient 63
CT_COVID,2020.03.01.20029769-p21-73_2%0.png,Patient 69
CT_COVID,2020.03.01.20029769-p21-73_2%1.png,Patient 70
CT_COVID,2020.03.01.20029769-p21-73_3.png,Patient 72
CT_COVID,2020.03.03.20030353-p17-106%0.png,Patient 74
CT_COVID,2020.03.03.20030353-p17-106%1.png,Patient 75
CT_COVID,2020.03.03.20030353-p17-106%2.png,Patient 76
CT_COVID,2020.03.03.20030775-p10-88%0.png,Patient 78
CT_COVID,2020.03.03.20030775-p10-88%1.png,Patient 78
CT_COVID,2020.03.03.20030775-p11-91.png,Patient 80
CT_COVID,2020.03.03.20030775-p12-93%0.png,Patient 81
CT_COVID,2020.03.03.20030775-p12-93%1.png,Patient 81
CT_COVID,2020.03.04.20026005-p12-1946%3.png,Patient 83
CT_COVID,2020.03.04.20026005-p12-1946%4.png,Patient 83
CT_COVID,2020.03.04.20026005-p12-1946%5.png,Patient 83
CT_COVID,2020.03.04.20030395-p27-108%0.png,Patient 84
CT_COVID,2020.03.04.20030395-p27-108%1.png,Patient 85
CT_COVID,2020.03.04.20030395-p27-108%3.png,Patient 87
CT_COVID,2020.03.04.20030395-p27-108%4.png,Patient 88
CT_COVID,2020.03.04.20030395-p27-108%5.png,Patient 89
CT_COVID,2020.03.04.20030395-p27-108%7.png,Patient 91
CT_COVID,2020.03.04.20030395-p27-108%8.png,Patient 92
CT_COVID,2020.03.04.20031039-p23-97_1%0.png,Patient 93
CT_COVID,2020.03.04.20031039-p23-97_1%1.png,Patient 93
CT_COVID,2020.03.04.20031039-p23-97_1%2.png,Patient 93
CT_COVID,2020.03.04.20031039-p23-97_2%0.png,Patient 94
CT_COVID,2020.03.04.20031039-p23-97_2%1.png,Patient 94
CT_COVID,2020.03.04.20031039-p23-97_2%2.png,Patient 94
CT_COVID,2020.03.04.20031047-p12-81%1.png,Patient 96
CT_COVID,2020.03.04.20031047-p12-81%3.png,Patient 98
CT_COVID,2020.03.04.20031047-p13-84%1.png,Patient 100
CT_COVID,2020.03.04.20031047-p13-84%2.png,Patient 101
CT_COVID,2020.03.04.20031047-p13-84%3.png,Patient 102
CT_COVID,2020.03.04.20031047-p13-84%4.png,Patient 103
CT_COVID,2020.03.04.20031047-p13-84%5.png,Patient 104
CT_COVID,2020.03.04.20031047-p14-87%0.png,Patient 105
CT_COVID,2020.03.04.20031047-p14-87%1.png,Patient 105
CT_COVID,2020.03.07.20031393-p7-50%0.png,Patient 106
CT_COVID,2020.03.07.20031393-p7-50%1.png,Patient 106
CT_COVID,2020.03.07.20031393-p7-50%2.png,Patient 106
CT_COVID,2020.03.07.20031393-p7-50%3.png,Patient 106
CT_COVID,2020.03.08.20031658-p15-103.png,Patient 107
CT_COVID,2020.03.08.20031658-p15-106.png,Patient 110
CT_COVID,2020.03.09.20033118-p20-93%0.png,Patient 111
CT_COVID,2020.03.09.20033118-p20-93%1.png,Patient 112
CT_COVID,2020.03.09.20033118-p20-93%3.png,Patient 114
CT_COVID,2020.03.10.20032136-p34-118_1%0.png,Patient 115
CT_COVID,2020.03.10.20032136-p34-118_1%1.png,Patient 115
CT_COVID,2020.03.10.20032136-p34-118_2%0.png,Patient 116
CT_COVID,2020.03.10.20032136-p34-118_2%1.png,Patient 116
CT_COVID,2020.03.11.20033159-p12-45%2.png,Patient 118
CT_COVID,2020.03.11.20033159-p12-45%3.png,Patient 118
CT_COVID,2020.03.11.20033159-p12-45%4.png,Patient 119
CT_COVID,2020.03.11.20033159-p12-45%5.png,Patient 119
CT_COVID,2020.03.12.20027185-p8-216.png,Patient 120
CT_COVID,2020.03.12.20027185-p8-221.png,Patient 123
CT_COVID,2020.03.12.20034686-p17-91-1.png,Patient 168
CT_COVID,2020.03.12.20034686-p17-91-3.png,Patient 124
CT_COVID,2020.03.12.20034686-p17-91-5.png,Patient 126
CT_COVID,2020.03.12.20034686-p17-91-6.png,Patient 127
CT_COVID,2020.03.13.20035212-p23-152.png,Patient 128
CT_COVID,2020.03.13.20035212-p23-153.png,Patient 129
CT_COVID,2020.03.13.20035212-p23-154.png,Patient 130
CT_COVID,2020.03.13.20035212-p23-155.png,Patient 131
CT_COVID,2020.03.13.20035212-p23-156.png,Patient 132
CT_COVID,2020.03.13.20035212-p23-157.png,Patient 133
CT_COVID,2020.03.13.20035212-p23-159.png,Patient 135
CT_COVID,2020.03.13.20035212-p23-160.png,Patient 136
CT_COVID,2020.03.13.20035212-p23-163.png,Patient 139
CT_COVID,2020.03.16.20035105-p6-64-1.png,Patient 140
CT_COVID,2020.03.16.20035105-p6-64-2.png,Patient 140
CT_COVID,2020.03.16.20035105-p6-64-3.png,Patient 140
CT_COVID,2020.03.16.20035105-p6-64-4.png,Patient 140
CT_COVID,2020.03.18.20038125-p16-56-1.png,Patient 144
CT_COVID,2020.03.18.20038125-p16-56-2.png,Patient 144
CT_COVID,2020.03.18.20038125-p16-56-3.png,Patient 144
CT_COVID,2020.03.18.20038125-p16-56-4.png,Patient 144
CT_COVID,2020.03.18.20038125-p16-56-5.png,Patient 144
CT_COVID,2020.03.18.20038125-p16-56-6.png,Patient 144
CT_COVID,2020.03.19.20038539-p10-57.png,Patient 145
CT_COVID,2020.03.19.20038539-p10-58.png,Patient 145
CT_COVID,2020.03.19.20038539-p10-59.png,Patient 145
CT_COVID,2020.03.19.20038539-p10-60.png,Patient 145
CT_COVID,2020.03.19.20038539-p10-61.png,Patient 145
CT_COVID,2020.03.19.20038539-p10-62.png,Patient 145
CT_COVID,2020.03.20.20037325-p23-121.png,Patient 146
CT_COVID,2020.03.20.20037325-p23-122.png,Patient 147
CT_COVID,2020.03.20.20037325-p23-123.png,Patient 148
CT_COVID,2020.03.20.20037325-p23-124.png,Patient 149
CT_COVID,2020.03.21.20040691-p18-6-6.png,Patient 150
CT_COVID,2020.03.21.20040691-p18-67-1.png,Patient 150
CT_COVID,2020.03.21.20040691-p18-67-2.png,Patient 150
CT_COVID,2020.03.21.20040691-p18-67-3.png,Patient 150
CT_COVID,2020.03.21.20040691-p18-67-4.png,Patient 150
CT_COVID,2020.03.21.20040691-p18-67-5.png,Patient 150
CT_COVID,2020.03.21.20040691-p18-67-7.png,Patient 150
CT_COVID,2020.03.21.20040691-p18-67-8.png,Patient 150
CT_COVID,2020.03.22.20034041-p16-66.png,Patient 151
CT_COVID,2020.03.22.20034041-p17-80-1.png,Patient 152
CT_COVID,2020.03.22.20034041-p17-80-2.png,Patient 152
CT_COVID,2020.03.22.20034041-p18-92-1.png,Patient 153
CT_COVID,2020.03.22.20034041-p18-92-2.png,Patient 153
CT_COVID,2020.03.22.20034041-p18-92-3.png,Patient 153
CT_COVID,2020.03.22.20040782-p24-1533-1.png,Patient 154
CT_COVID,2020.03.22.20040782-p24-1533-2.png,Patient 155
CT_COVID,2020.03.22.20040782-p24-1533-3.png,Patient 156
CT_COVID,2020.03.22.20040782-p24-1533-6.png,Patient 159
CT_COVID,2020.03.22.20040782-p24-1533-7.png,Patient 160
CT_COVID,2020.03.22.20040782-p24-1533-8.png,Patient 161
CT_COVID,2020.03.22.20040782-p25-1543.png,Patient 164
CT_COVID,2020.03.22.20040782-p25-1544.png,Patient 165
CT_COVID,2020.03.22.20040782-p25-1545.png,Patient 166
CT_COVID,2020.03.22.20040782-p25-1546.png,Patient 167
CT_COVID,2020.03.25.20037721-p27-165.png,Patient 171
CT_COVID,2020.03.25.20037721-p27-172.png,Patient 170
CT_COVID,2020.03.25.20037721-p27-173.png,Patient 170
CT_COVID,2020.03.25.20037721-p27-174.png,Patient 170
CT_COVID,2020.03.25.20037721-p27-181.png,Patient 171
CT_COVID,2020.03.25.20037721-p27-182.png,Patient 171
CT_COVID,2020.03.25.20043166-p17-79.png,paper:2020.03.25.20043166
CT_COVID,2020.03.25.20043166-p17-81.png,paper:2020.03.25.20043166
CT_COVID,2020.03.26.20041426-p11-119.png,paper:2020.03.26.20041426
CT_COVID,2020.03.26.20041426-p11-122.png,paper:2020.03.26.20041426
CT_COVID,2020.03.26.20041426-p11-124.png,paper:2020.03.26.20041426
CT_COVID,2020.03.26.20041426-p11-125.png,paper:2020.03.26.20041426
CT_COVID,2020.03.26.20041426-p11-126.png,paper:2020.03.26.20041426
CT_COVID,2020.03.26.20041426-p11-128.png,paper:2020.03.26.20041426
CT_COVID,2020.03.26.20041426-p11-130.png,paper:2020.03.26.20041426
CT_COVID,2020.03.26.20041426-p11-131.png,paper:2020.03.26.20041426
CT_COVID,2020.03.30.20047985-p9-56%1.png,paper:2020.03.30.20047985
CT_COVID,2020.03.30.20047985-p9-56%2.png,paper:2020.03.30.20047985
CT_COVID,Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa-p2-21%0.png,paper:Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa
CT_COVID,Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa-p2-21%1.png,paper:Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa
CT_COVID,Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa-p2-21%10.png,paper:Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa
CT_COVID,Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa-p2-21%11.png,paper:Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa
CT_COVID,Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa-p2-21%2.png,paper:Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa
CT_COVID,Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa-p2-21%3.png,paper:Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa
CT_COVID,Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa-p2-21%8.png,paper:Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa
CT_COVID,Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa-p2-21%9.png,paper:Comparison-of-different-samples-for-2019-novel-cor_2020_International-Journa
CT_COVID,Ni2020_Article_CombinationOfWesternMedicineAn-p3-10%0.png,Patient 200
CT_COVID,Ni2020_Article_CombinationOfWesternMedicineAn-p3-10%1.png,Patient 200
CT_COVID,Ni2020_Article_CombinationOfWesternMedicineAn-p4-13%0.png,Patient 200
CT_COVID,Ni2020_Article_CombinationOfWesternMedicineAn-p4-13%1.png,Patient 200
CT_COVID,PIIS0140673620301549_0%0.png,paper:PIIS0140673620301549_0
CT_COVID,PIIS0140673620301549_1.png,paper:PIIS0140673620301549_1
CT_COVID,PIIS0140673620302117_2.png,paper:PIIS0140673620302117_2
CT_COVID,PIIS0140673620303603%0.png,paper:PIIS0140673620303603
CT_COVID,PIIS0140673620303603%1.png,paper:PIIS0140673620303603
CT_COVID,PIIS0140673620303603%2.png,paper:PIIS0140673620303603
CT_COVID,PIIS0140673620303603%5.png,paper:PIIS0140673620303603
CT_COVID,PIIS0140673620303603%6.png,paper:PIIS0140673620303603
CT_COVID,PIIS0140673620303603%8.png,paper:PIIS0140673620303603
CT_COVID,Recurrence-of-positive-SARS-CoV-2-RNA-in-C_2020_International-Journal-of-Inf-p1-21%0.png,paper:Recurrence-of-positive-SARS-CoV-2-RNA-in-C_2020_International-Journal-of-Inf
CT_COVID,Recurrence-of-positive-SARS-CoV-2-RNA-in-C_2020_International-Journal-of-Inf-p1-21%1.png,paper:Recurrence-of-positive-SARS-CoV-2-RNA-in-C_2020_International-Journal-of-Inf
CT_COVID,bmj.m606.full-p4-22%0.png,paper:bmj.m606.full
CT_COVID,bmj.m606.full-p4-22%4.png,paper:bmj.m606.full
CT_COVID,bmj.m606.full-p4-22%5.png,paper:bmj.m606.full
CT_COVID,impact_of_covid19_infection_on_pregnancy_outcomes_and_the_risk_of_maternaltoneonatal_intrapartum_transmission_of_covid19_during_natural_birth-p8-41%1.png,paper:impact_of_covid19_infection_on_pregnancy_outcomes_and_the_risk_of_maternaltoneonatal_intrapartum_transmission_of_covid19_during_natural_birth
CT_COVID,impact_of_covid19_infection_on_pregnancy_outcomes_and_the_risk_of_maternaltoneonatal_intrapartum_transmission_of_covid19_during_natural_birth-p8-41%5.png,paper:impact_of_covid19_infection_on_pregnancy_outcomes_and_the_risk_of_maternaltoneonatal_intrapartum_transmission_of_covid19_during_natural_birth
CT_COVID,kjr-21-e24-p3-16.png,paper:kjr-21-e24
CT_COVID,kjr-21-e24-p5-29.png,paper:kjr-21-e24
CT_COVID,kjr-21-e24-p5-31.png,paper:kjr-21-e24
CT_COVID,kjr-21-e25-p1-10.png,paper:kjr-21-e25
CT_COVID,kjr-21-e25-p1-12.png,paper:kjr-21-e25
CT_COVID,kjr-21-e25-p1-14.png,paper:kjr-21-e25
CT_COVID,kjr-21-e25-p1-6.png,paper:kjr-21-e25
CT_COVID,kjr-21-e25-p1-8.png,paper:kjr-21-e25
CT_COVID,med-9780198814924-chapter-17-p10-515.png,paper:med-9780198814924-chapter-17
CT_NonCOVID,1%0.jpg,noncovid:1
CT_NonCOVID,1%1.jpg,noncovid:1
CT_NonCOVID,1%2.jpg,noncovid:1
CT_NonCOVID,10%0.jpg,noncovid:10
CT_NonCOVID,10%1.jpg,noncovid:10
CT_NonCOVID,10%2.jpg,noncovid:10
CT_NonCOVID,102.png,noncovid:102
CT_NonCOVID,103.png,noncovid:103
CT_NonCOVID,104.png,noncovid:104
CT_NonCOVID,1046.png,noncovid:1046
CT_NonCOVID,1048.png,noncovid:1048
CT_NonCOVID,1049.png,noncovid:1049
CT_NonCOVID,1050.png,noncovid:1050
CT_NonCOVID,1058.png,noncovid:1058
CT_NonCOVID,1060.png,noncovid:1060
CT_NonCOVID,1061.png,noncovid:1061
CT_NonCOVID,1062.png,noncovid:1062
CT_NonCOVID,1065.png,noncovid:1065
CT_NonCOVID,1072.png,noncovid:1072
CT_NonCOVID,1078.png,noncovid:1078
CT_NonCOVID,1079.png,noncovid:1079
CT_NonCOVID,1094.png,noncovid:1094
CT_NonCOVID,1099.png,noncovid:1099
CT_NonCOVID,1100.png,noncovid:1100
CT_NonCOVID,1101.png,noncovid:1101
CT_NonCOVID,1115.png,noncovid:1115
CT_NonCOVID,112.png,noncovid:112
CT_NonCOVID,1123.png,noncovid:1123
CT_NonCOVID,1124.png,noncovid:1124
CT_NonCOVID,115.png,noncovid:115
CT_NonCOVID,116.png,noncovid:116
CT_NonCOVID,1164.png,noncovid:1164
CT_NonCOVID,12.jpg,noncovid:12
CT_NonCOVID,120.png,noncovid:120
CT_NonCOVID,1210.png,noncovid:1210
CT_NonCOVID,1211.png,noncovid:1211
CT_NonCOVID,1212.png,noncovid:1212
CT_NonCOVID,1213.png,noncovid:1213
CT_NonCOVID,1214.png,noncovid:1214
CT_NonCOVID,1217.png,noncovid:1217
CT_NonCOVID,1218.png,noncovid:1218
CT_NonCOVID,1221.png,noncovid:1221
CT_NonCOVID,1238.png,noncovid:1238
CT_NonCOVID,1239.png,noncovid:1239
CT_NonCOVID,1240.png,noncovid:1240
CT_NonCOVID,1262.png,noncovid:1262
CT_NonCOVID,1263.png,noncovid:1263
CT_NonCOVID,1264.png,noncovid:1264
CT_NonCOVID,1277.png,noncovid:1277
CT_NonCOVID,1298.png,noncovid:1298
CT_NonCOVID,1305.png,noncovid:1305
CT_NonCOVID,1307.png,noncovid:1307
CT_NonCOVID,1308.png,noncovid:1308
CT_NonCOVID,1309.png,noncovid:1309
CT_NonCOVID,1310.png,noncovid:1310
CT_NonCOVID,1312.png,noncovid:1312
CT_NonCOVID,1328.png,noncovid:1328
CT_NonCOVID,1330.png,noncovid:1330
CT_NonCOVID,1331.png,noncovid:1331
CT_NonCOVID,1332.png,noncovid:1332
CT_NonCOVID,1333.png,noncovid:1333
CT_NonCOVID,1335.png,noncovid:1335
CT_NonCOVID,1497.png,noncovid:1497
CT_NonCOVID,15%0.jpg,noncovid:15
CT_NonCOVID,15%1.jpg,noncovid:15
CT_NonCOVID,15%2.jpg,noncovid:15
CT_NonCOVID,15%3.jpg,noncovid:15
CT_NonCOVID,15.png,noncovid:15
CT_NonCOVID,1500.png,noncovid:1500
CT_NonCOVID,1576.png,noncovid:1576
CT_NonCOVID,158.png,noncovid:158
CT_NonCOVID,16.jpg,noncovid:16
CT_NonCOVID,166.png,noncovid:166
CT_NonCOVID,167.png,noncovid:167
CT_NonCOVID,17%0.jpg,noncovid:17
CT_NonCOVID,17%1.jpg,noncovid:17
CT_NonCOVID,1702.png,noncovid:1702
CT_NonCOVID,174.png,noncovid:174
CT_NonCOVID,177.png,noncovid:177
CT_NonCOVID,18%0.jpg,noncovid:18
CT_NonCOVID,18%1.jpg,noncovid:18
CT_NonCOVID,18%2.jpg,noncovid:18
CT_NonCOVID,18%3.jpg,noncovid:18
CT_NonCOVID,1814.png,noncovid:1814
CT_NonCOVID,1845.png,noncovid:1845
CT_NonCOVID,1857.png,noncovid:1857
CT_NonCOVID,1858.png,noncovid:1858
CT_NonCOVID,1868.png,noncovid:1868
CT_NonCOVID,1876.png,noncovid:1876
CT_NonCOVID,1877.png,noncovid:1877
CT_NonCOVID,1888.png,noncovid:1888
CT_NonCOVID,1889.png,noncovid:1889
CT_NonCOVID,19%0.jpg,noncovid:19
CT_NonCOVID,19%1.jpg,noncovid:19
CT_NonCOVID,1919.png,noncovid:1919
CT_NonCOVID,1920.png,noncovid:1920
CT_NonCOVID,1921.png,noncovid:1921
CT_NonCOVID,1922.png,noncovid:1922
CT_NonCOVID,1923.png,noncovid:1923
CT_NonCOVID,2%0.jpg,noncovid:2
CT_NonCOVID,2%1.jpg,noncovid:2
CT_NonCOVID,2%2.jpg,noncovid:2
CT_NonCOVID,2%3.jpg,noncovid:2
CT_NonCOVID,20.jpg,noncovid:20
CT_NonCOVID,2007.png,noncovid:2007
CT_NonCOVID,2039.png,noncovid:2039
CT_NonCOVID,2040.png,noncovid:2040
CT_NonCOVID,2041.png,noncovid:2041
CT_NonCOVID,21%0.jpg,noncovid:21
CT_NonCOVID,21%1.jpg,noncovid:21
CT_NonCOVID,2108.png,noncovid:2108
CT_NonCOVID,2139.png,noncovid:2139
CT_NonCOVID,2141.png,noncovid:2141
CT_NonCOVID,2144.png,noncovid:2144
CT_NonCOVID,22%0.jpg,noncovid:22
CT_NonCOVID,22%1.jpg,noncovid:22
CT_NonCOVID,2237.png,noncovid:2237
CT_NonCOVID,227.png,noncovid:227
CT_NonCOVID,24.png,noncovid:24
CT_NonCOVID,25%0.jpg,noncovid:25
CT_NonCOVID,25%1.jpg,noncovid:25
CT_NonCOVID,25%2.jpg,noncovid:25
CT_NonCOVID,25%3.jpg,noncovid:25
CT_NonCOVID,25.png,noncovid:25
CT_NonCOVID,26%0.jpg,noncovid:26
CT_NonCOVID,26%1.jpg,noncovid:26
CT_NonCOVID,26%2.jpg,noncovid:26
CT_NonCOVID,26%3.jpg,noncovid:26
CT_NonCOVID,26.png,noncovid:26
CT_NonCOVID,29%0.jpg,noncovid:29
CT_NonCOVID,29%1.jpg,noncovid:29
CT_NonCOVID,29%2.jpg,noncovid:29
CT_NonCOVID,29%3.jpg,noncovid:29
CT_NonCOVID,3.jpg,noncovid:3
CT_NonCOVID,30%0.jpg,noncovid:30
CT_NonCOVID,30%1.jpg,noncovid:30
CT_NonCOVID,30%2.jpg,noncovid:30
CT_NonCOVID,30%3.jpg,noncovid:30
CT_NonCOVID,30%4.jpg,noncovid:30
CT_NonCOVID,30%5.jpg,noncovid:30
CT_NonCOVID,31.jpg,noncovid:31
CT_NonCOVID,33%0.jpg,noncovid:33
CT_NonCOVID,33%1.jpg,noncovid:33
CT_NonCOVID,33.png,noncovid:33
CT_NonCOVID,354.png,noncovid:354
CT_NonCOVID,36%0.jpg,noncovid:36
CT_NonCOVID,36%1.jpg,noncovid:36
CT_NonCOVID,361.png,noncovid:361
CT_NonCOVID,37%0.jpg,noncovid:37
CT_NonCOVID,37%1.jpg,noncovid:37
CT_NonCOVID,37%2.jpg,noncovid:37
CT_NonCOVID,37%3.jpg,noncovid:37
CT_NonCOVID,37%4.jpg,noncovid:37
CT_NonCOVID,378.png,noncovid:378
CT_NonCOVID,38%0.jpg,noncovid:38
CT_NonCOVID,38%1.jpg,noncovid:38
CT_NonCOVID,38%2.jpg,noncovid:38
CT_NonCOVID,382.png,noncovid:382
CT_NonCOVID,383.png,noncovid:383
CT_NonCOVID,385.png,noncovid:385
CT_NonCOVID,39%0.jpg,noncovid:39
CT_NonCOVID,39%1.jpg,noncovid:39
CT_NonCOVID,39%2.jpg,noncovid:39
CT_NonCOVID,39%3.jpg,noncovid:39
CT_NonCOVID,39%4.jpg,noncovid:39
CT_NonCOVID,39%5.jpg,noncovid:39
CT_NonCOVID,39%6.jpg,noncovid:39
CT_NonCOVID,39%7.jpg,noncovid:39
CT_NonCOVID,39%8.jpg,noncovid:39
CT_NonCOVID,4%1.jpg,noncovid:4
CT_NonCOVID,4%3.jpg,noncovid:4
CT_NonCOVID,4%5.jpg,noncovid:4
CT_NonCOVID,4%7.jpg,noncovid:4
CT_NonCOVID,40%0.jpg,noncovid:40
CT_NonCOVID,40%1.jpg,noncovid:40
CT_NonCOVID,412.png,noncovid:412
CT_NonCOVID,413.png,noncovid:413
CT_NonCOVID,414.png,noncovid:414
CT_NonCOVID,42.jpg,noncovid:42
CT_NonCOVID,43%1.jpg,noncovid:43
CT_NonCOVID,43%2.jpg,noncovid:43
CT_NonCOVID,43%3.jpg,noncovid:43
CT_NonCOVID,43.png,noncovid:43
CT_NonCOVID,48.jpg,noncovid:48
CT_NonCOVID,486.png,noncovid:486
CT_NonCOVID,487.png,noncovid:487
CT_NonCOVID,49%0.jpg,noncovid:49
CT_NonCOVID,49%1.jpg,noncovid:49
CT_NonCOVID,5%0.jpg,noncovid:5
CT_NonCOVID,5%1.jpg,noncovid:5
CT_NonCOVID,5%2.jpg,noncovid:5
CT_NonCOVID,5%3.jpg,noncovid:5
CT_NonCOVID,5%4.jpg,noncovid:5
CT_NonCOVID,5%5.jpg,noncovid:5
CT_NonCOVID,5%6.jpg,noncovid:5
CT_NonCOVID,5%7.jpg,noncovid:5
CT_NonCOVID,50.jpg,noncovid:50
CT_NonCOVID,51%0.jpg,noncovid:51
CT_NonCOVID,51%1.jpg,noncovid:51
CT_NonCOVID,51%2.jpg,noncovid:51
CT_NonCOVID,51%3.jpg,noncovid:51
CT_NonCOVID,52%0.jpg,noncovid:52
CT_NonCOVID,52%1.jpg,noncovid:52
CT_NonCOVID,53.jpg,noncovid:53
CT_NonCOVID,54%0.jpg,noncovid:54
CT_NonCOVID,54%1.jpg,noncovid:54
CT_NonCOVID,54%2.jpg,noncovid:54
CT_NonCOVID,54%3.jpg,noncovid:54
CT_NonCOVID,56%0.jpg,noncovid:56
CT_NonCOVID,56%1.jpg,noncovid:56
CT_NonCOVID,57%0.jpg,noncovid:57
CT_NonCOVID,577.png,noncovid:577
CT_NonCOVID,579.png,noncovid:579
CT_NonCOVID,580.png,noncovid:580
CT_NonCOVID,583.png,noncovid:583
CT_NonCOVID,584.png,noncovid:584
CT_NonCOVID,585.png,noncovid:585
CT_NonCOVID,586.png,noncovid:586
CT_NonCOVID,587.png,noncovid:587
CT_NonCOVID,590.png,noncovid:590
CT_NonCOVID,591.png,noncovid:591
CT_NonCOVID,6%0.jpg,noncovid:6
CT_NonCOVID,6%1.jpg,noncovid:6
CT_NonCOVID,6%2.jpg,noncovid:6
CT_NonCOVID,6%3.jpg,noncovid:6
CT_NonCOVID,64.jpg,noncovid:64
CT_NonCOVID,65%0.jpg,noncovid:65
CT_NonCOVID,65%1.jpg,noncovid:65
CT_NonCOVID,65%2.jpg,noncovid:65
CT_NonCOVID,65%3.jpg,noncovid:65
CT_NonCOVID,65%4.jpg,noncovid:65
CT_NonCOVID,66.jpg,noncovid:66
CT_NonCOVID,660.png,noncovid:660
CT_NonCOVID,661.png,noncovid:661
CT_NonCOVID,662.png,noncovid:662
CT_NonCOVID,663.png,noncovid:663
CT_NonCOVID,67%0.jpg,noncovid:67
CT_NonCOVID,67%1.jpg,noncovid:67
CT_NonCOVID,67%2.jpg,noncovid:67
CT_NonCOVID,68.jpg,noncovid:68
CT_NonCOVID,69%0.jpg,noncovid:69
CT_NonCOVID,69%1.jpg,noncovid:69
CT_NonCOVID,70%0.jpg,noncovid:70
CT_NonCOVID,70%1.jpg,noncovid:70
CT_NonCOVID,704.png,noncovid:704
CT_NonCOVID,705.png,noncovid:705
CT_NonCOVID,706.png,noncovid:706
CT_NonCOVID,709.png,noncovid:709
CT_NonCOVID,71%0.jpg,noncovid:71
CT_NonCOVID,71%1.jpg,noncovid:71
CT_NonCOVID,73.jpg,noncovid:73
CT_NonCOVID,74.jpg,noncovid:74
CT_NonCOVID,75%0.jpg,noncovid:75
CT_NonCOVID,75%1.jpg,noncovid:75
CT_NonCOVID,753.png,noncovid:753
CT_NonCOVID,754.png,noncovid:754
CT_NonCOVID,76%0.jpg,noncovid:76
CT_NonCOVID,76%1.jpg,noncovid:76
CT_NonCOVID,76%2.jpg,noncovid:76
CT_NonCOVID,77.jpg,noncovid:77
CT_NonCOVID,78.jpg,noncovid:78
CT_NonCOVID,782.png,noncovid:782
CT_NonCOVID,79.jpg,noncovid:79
CT_NonCOVID,80%0.jpg,noncovid:80
CT_NonCOVID,80%1.jpg,noncovid:80
CT_NonCOVID,81%0.jpg,noncovid:81
CT_NonCOVID,81%1.jpg,noncovid:81
CT_NonCOVID,81%2.jpg,noncovid:81
CT_NonCOVID,81%3.jpg,noncovid:81
CT_NonCOVID,81.png,noncovid:81
CT_NonCOVID,82%0.jpg,noncovid:82
CT_NonCOVID,82%1.jpg,noncovid:82
CT_NonCOVID,82%2.jpg,noncovid:82
CT_NonCOVID,82%3.jpg,noncovid:82
CT_NonCOVID,82.png,noncovid:82
CT_NonCOVID,83%0.jpg,noncovid:83
CT_NonCOVID,83%1.jpg,noncovid:83
CT_NonCOVID,83%2.jpg,noncovid:83
CT_NonCOVID,83%3.jpg,noncovid:83
CT_NonCOVID,84%0.jpg,noncovid:84
CT_NonCOVID,84%1.jpg,noncovid:84
CT_NonCOVID,84%2.jpg,noncovid:84
CT_NonCOVID,84%3.jpg,noncovid:84
CT_NonCOVID,848.png,noncovid:848
CT_NonCOVID,849.png,noncovid:849
CT_NonCOVID,86.jpg,noncovid:86
CT_NonCOVID,88.jpg,noncovid:88
CT_NonCOVID,887.png,noncovid:887
CT_NonCOVID,889.png,noncovid:889
CT_NonCOVID,89%2.jpg,noncovid:89
CT_NonCOVID,89%3.jpg,noncovid:89
CT_NonCOVID,890.png,noncovid:890
CT_NonCOVID,9.jpg,noncovid:9
CT_NonCOVID,90.jpg,noncovid:90
CT_NonCOVID,91%0.jpg,noncovid:91
CT_NonCOVID,91%1.jpg,noncovid:91
CT_NonCOVID,921.png,noncovid:921
CT_NonCOVID,957.png,noncovid:957
CT_NonCOVID,969.png,noncovid:969
CT_NonCOVID,996.png,noncovid:996
CT_NonCOVID,997.png,noncovid:997
"""
}
